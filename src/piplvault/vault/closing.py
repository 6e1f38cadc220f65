"""Closing notices (注销告知书) and the closing report (清算档案报告) of a deregistration.

The notices tell each customer what is kept, by which custodian and until when, and what is
destroyed; they hold plaintext and are written outside the vault. The closing report holds
no personal information (counts, decisions, hashes): it goes into the liquidation file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from piplvault.documents import notices
from piplvault.documents.labels import CATEGORY_ZH
from piplvault.io.private_files import make_private_dir, write_private
from piplvault.store.audit_head import read_audit_head
from piplvault.store.engine import Connection
from piplvault.vault import cases, company, counterparty

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

_TEMPLATES = Path(__file__).resolve().parent.parent / "documents" / "templates"


def zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render_notices(
    vault: Vault,
    conn: Connection,
    case: cases.Case,
    rows: list[Any],
    out_dir: Path,
    *,
    lang: str | None,
) -> dict[str, Any]:
    """Render one closing notice per customer into ``out_dir`` (plaintext, outside)."""
    from piplvault.vault.deregistration import claims_deadline

    deadline = claims_deadline(case)
    context = {int(r.customer_id): _customer_context(r, deadline) for r in rows}
    recipients = cases.notice_recipients(vault, conn, sorted(context), context)
    rendered = notices.render(
        notices.environment(vault.settings.home),
        "closing",
        lang or vault.settings.lang,
        recipients,
        out_dir,
        common=common_context(vault, conn, case),
        title=f"{case.id} 关于公司注销及个人信息处置的告知书",
    )
    return rendered.to_dict()


def common_context(vault: Vault, conn: Connection, case: cases.Case) -> dict[str, Any]:
    effective = dt.date.fromisoformat(case.details["effective_date"])
    today = vault.clock.now().date()
    profile = company.replace(company.of(vault, conn), name=case.details["company"])
    return {
        **company.context(profile),
        "effective_date": effective.isoformat(),
        "effective_date_zh": zh_date(effective),
        "custodian": counterparty.public_party(case.party),
        "contact": case.details.get("contact") or case.party.get("contact", ""),
        "date": today.isoformat(),
        "date_zh": zh_date(today),
    }


def _customer_context(row: Any, deadline: dt.date) -> dict[str, Any]:
    kept = list(filter(None, row.keep_categories.split(",")))
    destroyed = list(filter(None, row.destroy_categories.split(",")))
    until = dt.date.fromisoformat(row.keep_until) if row.keep_until else None
    return {
        "kept_zh": "、".join(CATEGORY_ZH.get(c, c) for c in kept),
        "kept_en": ", ".join(kept),
        "keep_until": until.isoformat() if until else "",
        "keep_until_zh": zh_date(until) if until else "",
        "destroyed_zh": "、".join(CATEGORY_ZH.get(c, c) for c in destroyed),
        "destroyed_en": ", ".join(destroyed),
        "creditor": bool(row.creditor and row.settled_at is None),
        "claim_deadline": deadline.isoformat(),
        "claim_deadline_zh": zh_date(deadline),
    }


# --- the closing report ------------------------------------------------------------------


def report_data(vault: Vault, case_id: str) -> dict[str, Any]:
    """Everything the liquidation file needs, without personal information."""
    from piplvault.vault import deregistration

    st = deregistration.status(vault, case_id)
    with vault.read() as conn:
        head_seq, head_hash = read_audit_head(conn)
    certificate: dict[str, Any] = {}
    if st["certificate"] and Path(st["certificate"]).is_file():
        data = Path(st["certificate"]).read_bytes()
        doc = json.loads(data)
        certificate = {
            "path": st["certificate"],
            "id": doc["certificate_id"],
            "sha256": hashlib.sha256(data).hexdigest(),
            "destroyed": doc["what"]["customers_destroyed"],
            "restricted": doc["what"]["customers_restricted"],
            "by_category": doc["what"]["values_destroyed_by_category"],
        }
    keep_groups: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
    for c in st["customers"]:
        if c["must_keep"]:
            cats = tuple(c["keep_categories"])
            keep_groups[(c["statute"], c["keep_until"] or "", cats)] += 1
    return {
        "case": {
            k: st[k]
            for k in (
                "id",
                "state",
                "reason",
                "company",
                "effective_date",
                "resolution_date",
                "notice_by",
            )
        },
        "custodian": st["custodian"] or {},
        "custodian_type": _custodian_type(st["custodian"]),
        "timeline": st["timeline"],
        "inventory": st["inventory"],
        "split": st["split"],
        "keep_groups": [
            {
                "statute": s,
                "until": u,
                "categories": "、".join(CATEGORY_ZH.get(x, x) for x in c),
                "categories_en": ", ".join(c),
                "customers": n,
            }
            for (s, u, c), n in sorted(keep_groups.items())
        ],
        "notices": st["notices"],
        "notices_at": st["notices_at"],
        "package": {"path": st["package"], "sha256": st["package_sha256"]},
        "regulator_report": st["regulator_report"],
        "certificate": certificate,
        "reconciliation": reconcile(st, certificate),
        "route": st["route"],
        "outside_copies": st["outside_copies"],
        "notes": st["notes"],
        "audit": {"head_seq": head_seq, "head_hash": head_hash},
        "vault_id": vault.meta_value("vault_id"),
        "generated_at": vault.now(),
        "public_key": vault.public_key_pem(),
    }


def reconcile(st: dict[str, Any], certificate: dict[str, Any]) -> dict[str, Any]:
    """The report's counts checked against each other (issue 13 item 14): every customer is
    either kept (restricted by the certificate, or held) or destroyed by the certificate."""
    held = sum(
        1
        for c in st["customers"]
        if c["must_keep"] and str(c["statute"]).startswith("legal hold")
    )
    out: dict[str, Any] = {
        "customers": st["split"]["customers"],
        "must_keep": st["split"]["must_keep"],
        "destroy": st["split"]["destroy"],
        "held_untouched": held,
    }
    if certificate:
        out["certificate_destroyed"] = certificate["destroyed"]
        out["certificate_restricted"] = certificate["restricted"]
        out["agree"] = (
            out["must_keep"] + out["destroy"] == out["customers"]
            and certificate["destroyed"] == out["destroy"]
            and certificate["restricted"] + held <= out["must_keep"]
        )
    else:
        out["agree"] = out["must_keep"] + out["destroy"] == out["customers"]
    return out


def _custodian_type(party: dict[str, Any] | None) -> dict[str, str]:
    from piplvault.vault.deregistration import CUSTODIAN_TYPES

    if not party:
        return {"zh": "", "en": ""}
    zh, en = CUSTODIAN_TYPES[party["kind"]]
    return {"zh": zh, "en": en}


def render_report(data: dict[str, Any], *, lang: str) -> str:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    template = env.get_template(f"closing-report.{lang}.html")
    return template.render(r=data, category_zh=CATEGORY_ZH)


def write_report(
    vault: Vault, case_id: str, *, out_dir: Path | None = None
) -> dict[str, str]:
    """Write the closing report (zh-CN and English HTML, no personal data)."""
    data = report_data(vault, case_id)
    directory = out_dir or vault.settings.home / "reports"
    make_private_dir(directory)
    paths = {}
    for lang in ("zh-CN", "en"):
        path = directory / f"closing-report-{case_id}.{lang}.html"
        write_private(path, render_report(data, lang=lang))
        paths[lang] = str(path)
    with vault.write() as conn:
        case = cases.load_case(conn, case_id, "deregistration")
        case.details["report"] = paths
        cases.save_case(vault, conn, case)
        vault.record(
            conn,
            action="closing-report-written",
            target=f"case:{case_id}",
            details={
                "files": sorted(paths),
                "audit_head_seq": data["audit"]["head_seq"],
            },
        )
    return paths
