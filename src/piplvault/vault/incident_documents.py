"""An incident's regulator report (no personal data) and per-person notices (PIPL Art. 57:
categories, cause, possible harm, remedies, what the person can do, the handler's contact),
rendered from the templates in documents/templates (zh-CN default, English option)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from piplvault.core import incidents as rules_
from piplvault.documents import notices
from piplvault.documents.labels import CATEGORY_ZH
from piplvault.errors import ValidationError, WorkflowError
from piplvault.io.private_files import make_private_dir, write_private
from piplvault.store import incidents as store
from piplvault.timefmt import parse_utc, zh_date, zh_datetime, zone
from piplvault.vault import cases, company
from piplvault.vault.incidents import ACTION, describe, load_row, open_row, refuse

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

_TEMPLATES = Path(__file__).resolve().parent.parent / "documents" / "templates"
LEGAL_BASIS = (
    "《中华人民共和国个人信息保护法》第五十七条；《网络数据安全管理条例》第十一条；"
    "《国家网络安全事件报告管理办法》第四条、第七条、第八条"
)
_CLOCK_ZH = {
    "individuals": "告知个人",
    "regulator": "报告监管部门",
    "summary": "总结报告",
}


def _lang(lang: str | None, vault: Vault) -> str:
    from piplvault import i18n

    chosen = (lang or i18n.current()).lower()
    return "en" if chosen.startswith("en") else "zh-CN"


def report_data(
    vault: Vault, incident: dict[str, Any], handler: dict[str, Any]
) -> dict[str, Any]:
    """The report as data: the JSON original the HTML is rendered from."""
    details = incident["details"]
    tz = vault.settings.timezone
    scope = details.get("scope") or {}
    return {
        "title": "个人信息安全事件报告 Personal information security incident report",
        "incident": {
            "id": incident["id"],
            "title": incident["title"],
            "found_at": incident["found_at"],
            "found_at_zh": zh_datetime(incident["found_at"], tz),
            "started_at": details.get("started_at"),
            "started_at_zh": zh_datetime(details["started_at"], tz)
            if details.get("started_at")
            else None,
            "source": incident["source"],
            **{
                k: details.get(k, "")
                for k in ("description", "cause", "harm", "remedies", "measures")
            },
        },
        "handler": handler,
        "report_to": rules_.REPORT_TO[incident["rules"]["operator"]],
        "categories": incident["categories"],
        "categories_zh": "、".join(
            CATEGORY_ZH.get(c, c) for c in incident["categories"]
        ),
        "categories_en": ", ".join(incident["categories"]),
        "grade": incident["grade"],
        "grade_zh": incident["grade_zh"],
        "persons": incident["persons"],
        "sensitive_persons": incident["sensitive_persons"],
        "scope": scope,
        "scope_zh": _scope_text(scope, zh=True, tz=tz),
        "scope_en": _scope_text(scope, zh=False, tz=tz),
        "clocks": [
            {
                **c,
                "key_zh": _CLOCK_ZH.get(str(c["key"]), c["key"]),
                "due_zh": zh_datetime(str(c["due"]), tz)
                if c["due"]
                else "处置结束后起算",
            }
            for c in incident["clocks"]
            if c["applies"]
        ],
        "rules": incident["rules"],
        "review": details.get("review"),
        "closed_at": incident["closed_at"],
        "closed_at_zh": zh_datetime(incident["closed_at"], tz)
        if incident["closed_at"]
        else None,
        "legal_basis": LEGAL_BASIS,
        "generated_at": vault.now(),
        "generated_at_zh": zh_datetime(vault.now(), tz),
    }


def _scope_text(scope: dict[str, Any], *, zh: bool, tz: str) -> str:
    if scope.get("method") == "audit":
        since, until = (zh_datetime(str(scope.get(k)), tz) for k in ("since", "until"))
        who = scope.get("user", "")
        token = f"（令牌 {scope['token']}）" if zh and scope.get("token") else ""
        if zh:
            return f"审计日志：用户 {who}{token} 在 {since} 至 {until} 之间读取的全部客户（{scope.get('events', 0)} 条记录）"
        return (
            f"audit log: every customer user {who}"
            f"{' (token ' + str(scope['token']) + ')' if scope.get('token') else ''} read "
            f"between {scope.get('since')} and {scope.get('until')} (UTC) "
            f"({scope.get('events', 0)} entries)"
        )
    if scope.get("method") == "file":
        if zh:
            return (
                f"泄露文件 {scope.get('file')} 共 {scope.get('rows', 0)} 行，按盲索引匹配到 "
                f"{scope.get('matched_rows', 0)} 行（未匹配 {scope.get('unmatched_rows', 0)} 行）"
            )
        return (
            f"leaked file {scope.get('file')}: {scope.get('rows', 0)} rows, "
            f"{scope.get('matched_rows', 0)} matched by blind index "
            f"({scope.get('unmatched_rows', 0)} unmatched)"
        )
    return "尚未计算" if zh else "not computed yet"


def render_report(data: dict[str, Any], *, lang: str) -> str:
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
    )
    return env.get_template(f"incident-report.{lang}.html").render(r=data)


def report(
    vault: Vault, incident_id: str, out_dir: Path, *, lang: str | None = None
) -> dict[str, Any]:
    """Write the regulator report (JSON original + HTML) into ``out_dir``; audited. After
    ``close`` it is the summary report: it then carries the review and the closing time."""
    suffix = _lang(lang, vault)
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        row = load_row(conn, incident_id)
        handler = company.require_named(vault, conn).to_dict()
        data = report_data(vault, describe(vault, conn, incident_id), handler)
        make_private_dir(out_dir)
        original = json.dumps(data, ensure_ascii=False, indent=1).encode()
        json_path = out_dir / f"incident-report-{incident_id}.json"
        html_path = out_dir / f"incident-report-{incident_id}.{suffix}.html"
        write_private(json_path, original)
        write_private(html_path, render_report(data, lang=suffix).encode("utf-8"))
        digest = hashlib.sha256(original).hexdigest()
        details = {
            **json.loads(row.details),
            # after closing, the same document is the summary report (R-INC-7-1)
            "summary_report" if row.state == "closed" else "report": {
                "sha256": digest,
                "at": vault.now(),
            },
        }
        store.update_incident(
            conn, incident_id, details=json.dumps(details, ensure_ascii=False)
        )
        vault.record(
            conn,
            action="incident-report",
            target=f"incident:{incident_id}",
            details={
                "sha256": digest,
                "grade": data["grade"],
                "persons": data["persons"],
            },
        )
    return {
        "incident": incident_id,
        "json": str(json_path),
        "html": str(html_path),
        "sha256": digest,
        "grade": data["grade"],
        "persons": data["persons"],
    }


def render_notices(
    vault: Vault, incident_id: str, out_dir: Path, *, lang: str | None = None
) -> dict[str, Any]:
    """One notice per affected person (letters, SMS and e-mail batches) outside the vault
    directory; refused while any Art. 57 content block is missing (R-57-1)."""
    target = cases.check_out_dir(vault, out_dir)
    suffix = _lang(lang, vault)
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        row = open_row(conn, incident_id)
        details = json.loads(row.details)
        categories = [c for c in str(row.categories).split(",") if c]
        content = {**details, "categories": categories}
        missing = rules_.missing_notice_blocks(content)
        if missing:
            raise refuse(
                WorkflowError(
                    f"Incident {incident_id}: a notice must state {', '.join(missing)} "
                    f"(PIPL Art. 57); add them with 'piplvault incidents update "
                    f"{incident_id} --{missing[0]} …'"
                ),
                incident_id,
                "incident-notices",
            )
        ids = [int(p.customer_id) for p in store.affected(conn, incident_id)]
        if not ids:
            raise ValidationError(
                f"Incident {incident_id} has no affected persons yet: run "
                f"'piplvault incidents affected {incident_id} …' first"
            )
        profile = company.require_named(vault, conn)
        today = vault.clock.now().date()
        common = {
            **company.context(profile),
            "title": row.title,
            "found_zh": zh_date(_day(str(row.found_at), vault.settings.timezone)),
            "found_en": _day(str(row.found_at), vault.settings.timezone).isoformat(),
            "categories_zh": "、".join(CATEGORY_ZH.get(c, c) for c in categories),
            "categories_en": ", ".join(categories),
            **{
                k: details[k]
                for k in ("cause", "harm", "remedies", "advice", "contact")
            },
            "date": today.isoformat(),
            "date_zh": zh_date(today),
        }
        recipients = cases.notice_recipients(vault, conn, ids)
        rendered = notices.render(
            notices.environment(vault.settings.home),
            "incident",
            suffix,
            recipients,
            target,
            common=common,
            title=f"{incident_id} 个人信息安全事件告知书"
            if suffix == "zh-CN"
            else f"{incident_id} Notice of a personal information security incident",
        )
        store.mark_notices(conn, incident_id, ids, "generated")
        details["notices"] = {
            "at": vault.now(),
            "count": len(ids),
            "template_sha256": rendered.template_sha256,
        }
        store.update_incident(
            conn, incident_id, details=json.dumps(details, ensure_ascii=False)
        )
        vault.record(
            conn,
            action="incident-notices",
            target=f"incident:{incident_id}",
            details={
                "letters": rendered.letters,
                "sms": rendered.sms,
                "emails": rendered.emails,
                "template_sha256": rendered.template_sha256,
            },
        )
    return {"incident": incident_id, **rendered.to_dict()}


def _day(value: str, tz: str) -> dt.date:
    """The day (in the operator's time zone) of a stored UTC time."""
    moment = parse_utc(value)
    assert moment is not None  # noqa: S101  stored by parse_time
    return moment.astimezone(zone(tz)).date()
