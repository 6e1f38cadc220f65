"""Notices to customers (告知书): letters (HTML), SMS batches (CSV) and e-mails (CSV / SMTP),
from editable Jinja2 templates in zh-CN (default) and English.

A deployment overrides any template by putting a file of the same name in
``HOME/templates/notices/``. Rendered notices hold personal data (names, phones, addresses),
so they are written only to a directory outside the vault directory, chosen by the operator.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

from piplvault.errors import ValidationError
from piplvault.io.private_files import make_private_dir, write_private

_PACKAGE_TEMPLATES = Path(__file__).parent / "templates" / "notices"
KINDS = ("transfer", "transfer-consent", "change", "closing", "incident")


@dataclass(slots=True)
class Recipient:
    """One customer to notify: where to reach them and what to say."""

    customer_id: int
    name: str
    mobile: str | None = None
    email: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RenderedNotices:
    directory: Path
    letters: int
    sms: int
    emails: int
    files: dict[str, str]
    template_sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "letters": self.letters,
            "sms": self.sms,
            "emails": self.emails,
            "files": self.files,
            "template_sha256": self.template_sha256,
        }


def environment(home: Path) -> Environment:
    loaders = [
        FileSystemLoader(str(home / "templates" / "notices")),
        FileSystemLoader(str(_PACKAGE_TEMPLATES)),
    ]
    return Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=False,
    )


def render(
    env: Environment,
    kind: str,
    lang: str,
    recipients: Iterable[Recipient],
    out_dir: Path,
    *,
    common: dict[str, Any],
    title: str,
) -> RenderedNotices:
    """Render one letter per customer, plus SMS and e-mail batches, into ``out_dir``."""
    if kind not in KINDS:
        raise ValidationError(
            f"Unknown notice kind '{kind}'; kinds: {', '.join(KINDS)}"
        )
    suffix = "zh-CN" if lang.startswith("zh") else "en"
    letter_t = env.get_template(f"{kind}-letter.{suffix}.html")
    sms_t = env.get_template(f"{kind}-sms.{suffix}.txt")
    make_private_dir(out_dir)
    letters, sms_rows, email_rows = [], [], []
    for r in recipients:
        ctx = {**common, **r.context, "customer_name": r.name}
        letter = letter_t.render(ctx)
        letters.append(Markup(letter))  # noqa: S704  rendered by an autoescaping template
        if r.mobile:
            sms_rows.append([str(r.customer_id), r.mobile, sms_t.render(ctx).strip()])
        if r.email:
            email_rows.append([str(r.customer_id), r.email, title, letter])
    page = env.get_template("letters.html").render(
        letters=letters, lang=suffix, title=title
    )
    files = {
        "letters": _write(out_dir / "letters.html", page.encode("utf-8")),
        "sms": _write_csv(
            out_dir / "sms.csv",
            ["客户ID customer_id", "手机号 mobile", "短信内容 text"],
            sms_rows,
        ),
        "emails": _write_csv(
            out_dir / "emails.csv",
            ["客户ID customer_id", "邮箱 email", "主题 subject", "正文 html"],
            email_rows,
        ),
    }
    digest = hashlib.sha256()
    partials = [env.get_template(f"{p}.{suffix}.html") for p in ("addressee", "sender")]
    for name in (letter_t.filename, sms_t.filename, *(t.filename for t in partials)):
        digest.update(Path(str(name)).read_bytes())
    return RenderedNotices(
        directory=out_dir,
        letters=len(letters),
        sms=len(sms_rows),
        emails=len(email_rows),
        files=files,
        template_sha256=digest.hexdigest(),
    )


def send_emails(csv_path: Path, *, host: str, port: int, sender: str) -> list[int]:
    """Send the rendered e-mail batch over SMTP; return the customer ids sent to."""
    sent: list[int] = []
    with (
        csv_path.open(encoding="utf-8-sig", newline="") as fh,
        smtplib.SMTP(host, port, timeout=30) as smtp,
    ):
        reader = csv.reader(fh)
        next(reader, None)
        for customer_id, address, subject, html in reader:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = (
                sender,
                address,
                subject,
            )
            message.set_content("请使用支持 HTML 的邮件客户端查看本告知书。")
            message.add_alternative(html, subtype="html")
            smtp.send_message(message)
            sent.append(int(customer_id))
    return sent


def _write(path: Path, data: bytes) -> str:
    return str(write_private(path, data))


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_neutralise(c) for c in row])
    # UTF-8 with BOM so Excel/WPS open it correctly (ecosystem notes §6)
    return _write(path, buffer.getvalue().encode("utf-8-sig"))


def _neutralise(cell: str) -> str:
    """Stop spreadsheet formula injection in exported cells."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def manifest_json(rendered: RenderedNotices, extra: dict[str, Any]) -> bytes:
    return json.dumps(
        {**rendered.to_dict(), **extra}, ensure_ascii=False, indent=1
    ).encode()
