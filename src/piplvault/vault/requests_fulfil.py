"""Fulfilling or refusing a rights request: the vault does the work and writes the reply.

- access / portability (Art. 45): a copy of everything held about the person — fields,
  purposes and legal bases, consents, recipients, retention — as JSON and CSV, with a zh-CN
  letter, written only to a directory outside the vault directory;
- correction (Art. 46): an audited new version through ``customers update``;
- deletion (Art. 47): the lifecycle rules (crypto-shred; fields under a statutory period are
  restricted, and the reply names the statute and the date);
- withdrawal (Art. 15): ``consents withdraw``, effective on the very next read;
- explanation (Art. 48), refusal of automated decisions (Art. 24): a letter from the rules;
- next-of-kin (Art. 49): what the relative asked for, addressed to the relative.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core import rights as core
from piplvault.documents import rights_reply
from piplvault.errors import NotFoundError, ValidationError, WorkflowError
from piplvault.store import requests as store
from piplvault.store.engine import Connection
from piplvault.store.handover import lifecycle_row
from piplvault.timefmt import zh_date
from piplvault.vault import cases, company, destruction, policy, retention
from piplvault.vault import consents as consent_cases
from piplvault.vault import customers as customer_cases
from piplvault.vault.records import cipher_for, load_field_defs, load_plain
from piplvault.vault.requests import requester_of, summary
from piplvault.vault.requests_copy import consented_purposes, live_bases, personal_copy

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

#: What a step returns: the stored outcome, the letter's lines, the copy (or None).
_Step = tuple[dict[str, Any], list[str], dict[str, Any] | None]
#: Bases under which portability applies (PIPL Art. 45 para. 3; NDSMR Art. 25).
PORTABLE_BASES = frozenset({"consent", "contract"})


def fulfil(
    vault: Vault,
    request_id: int,
    *,
    out_dir: Path,
    field: str | None = None,
    value: str | None = None,
    purposes: tuple[str, ...] = (),
    note: str = "",
) -> dict[str, Any]:
    """Carry out a verified request and write the reply into ``out_dir``."""
    target = cases.check_out_dir(vault, out_dir)
    with vault.authorized_read(
        lambda conn: vault.authorize(conn, action="rights-fulfil")
    ) as conn:
        row = store.get_request(conn, request_id)
        core.check_transition(
            core.State(row.state), core.State.FULFILLED, request_id=request_id
        )
        handled = core.handled_as(
            core.RequestType(row.kind),
            core.RequestType(row.wants) if row.wants else None,
        )
        base = _letter_base(vault, conn, row)
    if handled is core.RequestType.CORRECTION:
        return _correct(vault, row, base, target, field, value)
    if handled is core.RequestType.DELETION:
        return _delete(vault, row, base, target)
    steps: dict[core.RequestType, Callable[..., _Step]] = {
        core.RequestType.ACCESS: _access,
        core.RequestType.PORTABILITY: _portability,
        core.RequestType.WITHDRAWAL: _withdrawal,
        core.RequestType.EXPLANATION: _explanation,
        core.RequestType.AUTOMATED_DECISION: _automated,
    }
    step = steps[handled]
    with vault.write() as conn:
        vault.authorize(conn, action="rights-fulfil")
        outcome, lines, copy = step(
            vault,
            conn,
            store.get_request(conn, request_id),
            purposes=purposes,
            note=note,
        )
        reply = _reply(vault, base, row, lines, target, copy)
        _close(vault, conn, row, core.State.FULFILLED, outcome, reply, handled)
        row = store.get_request(conn, request_id)
    return {**summary(row, vault.clock.now().date()), "reply": reply}


def close_refused(
    vault: Vault,
    request_id: int,
    ground: core.RefusalGround,
    explanation: str,
    out_dir: Path | None,
) -> dict[str, Any]:
    """Refuse with a ground the law allows; the letter gives the reasons and the remedies."""
    target = cases.check_out_dir(vault, out_dir) if out_dir is not None else None
    with vault.write() as conn:
        vault.authorize(conn, action="rights-fulfil")
        row = store.get_request(conn, request_id)
        core.check_transition(
            core.State(row.state), core.State.REFUSED, request_id=request_id
        )
        outcome: dict[str, Any] = {
            "ground": ground.code,
            "statute": ground.statute,
            "explanation_sealed": _seal(vault, conn, row, "explanation", explanation),
        }
        reply = None
        if target is not None:
            base = _letter_base(vault, conn, row)
            base.update(
                refused=True,
                ground_zh=ground.zh,
                ground_statute=ground.statute_zh,
                explanation=explanation,
            )
            reply = _reply(vault, base, row, [], target, None)
        _close(vault, conn, row, core.State.REFUSED, outcome, reply, None)
        store.update_request(conn, request_id, refusal_ground=ground.code)
        row = store.get_request(conn, request_id)
    return {**summary(row, vault.clock.now().date()), "reply": reply}


# --- the steps (inside the caller's audited transaction) ------------------------------------


def _access(
    vault: Vault, conn: Connection, row: store.RequestRow, **_: Any
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    copy = personal_copy(vault, conn, row)
    lines = [
        f"随函附上您的个人信息副本（R-{row.id}.json、R-{row.id}.csv），包括我们持有的"
        f"全部个人信息（{len(copy['fields'])} 项）、处理目的及法律依据、接收方和保存期限。"
    ]
    return {"fields": len(copy["fields"])}, lines, copy


def _portability(
    vault: Vault, conn: Connection, row: store.RequestRow, **_: Any
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    bases = live_bases(conn, row.customer_id)
    if not bases & PORTABLE_BASES:
        raise WorkflowError(
            f"Customer {row.customer_id}'s information was not collected under consent "
            "or a contract, so PIPL Art. 45 para. 3 does not apply; refuse the request: "
            f"'piplvault requests refuse {row.id} --reason portability-conditions-unmet "
            "--explain …'"
        )
    copy = personal_copy(vault, conn, row)
    to = row.details.get("processor") or ""
    copy["portability"] = {
        "to": "processor" if to else "self",
        "processor": to or None,
        "conditions": {
            "identity_verified": row.identity_method or None,
            "bases": sorted(bases & PORTABLE_BASES),
            "technically_feasible": "JSON and CSV (machine-readable, UTF-8)",
            "harms_others": False,
        },
    }
    where = f"，供转移至您指定的个人信息处理者“{to}”" if to else ""
    lines = [
        f"已按您的要求以通用的机器可读格式（R-{row.id}.json、R-{row.id}.csv）导出您的"
        f"个人信息{where}。"
    ]
    return {"fields": len(copy["fields"]), "to": copy["portability"]["to"]}, lines, copy


def _withdrawal(
    vault: Vault,
    conn: Connection,
    row: store.RequestRow,
    *,
    purposes: tuple[str, ...] = (),
    **_: Any,
) -> tuple[dict[str, Any], list[str], None]:
    vault.authorize(conn, action="manage-consents")
    wanted = list(purposes or row.details.get("purposes", ()))
    if not wanted:
        wanted = consented_purposes(conn, row.customer_id)
    if not wanted:
        raise ValidationError(
            f"Customer {row.customer_id} has no live consent to withdraw; name the "
            "purposes withdrawn",
            field="purpose",
        )
    done = [
        consent_cases.withdraw_in(
            vault, conn, row.customer_id, p, channel=f"rights-request:{row.id}"
        )["purpose"]
        for p in wanted
    ]
    names = "、".join(policy.resolve_purpose(conn, p).name_zh for p in done)
    lines = [
        f"已记录您撤回对以下处理目的的同意：{names}；自即日起我们不再基于您的同意为这些"
        "目的处理您的个人信息。撤回同意不影响撤回前基于同意已进行的个人信息处理活动的效力"
        "（《中华人民共和国个人信息保护法》第十五条）。"
    ]
    return {"withdrawn": done}, lines, None


def _explanation(
    vault: Vault, conn: Connection, row: store.RequestRow, **_: Any
) -> tuple[dict[str, Any], list[str], None]:
    copy = personal_copy(vault, conn, row, with_values=False)
    lines = [
        f"处理目的“{p['name_zh']}”：法律依据为{_BASIS_ZH.get(p['basis'], p['basis'])}；"
        f"必要性：{p['necessity'] or '—'}。"
        for p in copy["purposes"]
    ]
    categories = "、".join(sorted({f["category_zh"] for f in copy["fields"]})) or "无"
    lines.append(f"我们处理的个人信息种类：{categories}。")
    lines.append(_retention_line(copy["retention"]))
    lines.append(_recipients_line(copy["recipients"]))
    return {"purposes": [p["key"] for p in copy["purposes"]]}, lines, None


def _automated(
    vault: Vault, conn: Connection, row: store.RequestRow, *, note: str = "", **_: Any
) -> tuple[dict[str, Any], list[str], None]:
    lines = [
        "已记录您拒绝个人信息处理者仅通过自动化决策的方式作出对您个人权益有重大影响的决定"
        "（《中华人民共和国个人信息保护法》第二十四条第三款）；今后此类决定将由工作人员作出。"
    ]
    if note.strip():
        lines.append(note.strip())
    return {"objection_recorded": True, "note_given": bool(note.strip())}, lines, None


def _correct(
    vault: Vault,
    row: store.RequestRow,
    base: dict[str, Any],
    target: Path,
    field: str | None,
    value: str | None,
) -> dict[str, Any]:
    if not field or value is None:
        raise ValidationError(
            "A correction needs the field and its corrected value",
            field="field" if not field else "value",
        )
    changed = customer_cases.update_field(
        vault, row.customer_id, field, value, purpose="data-management"
    )
    with vault.write() as conn:
        vault.authorize(conn, action="rights-fulfil")
        label = load_field_defs(conn)[field].label
        lines = [
            f"已根据您的请求更正“{label}”（第 {changed['version']} 版）；更正前的内容"
            "不再使用（《中华人民共和国个人信息保护法》第四十六条）。"
        ]
        reply = _reply(vault, base, row, lines, target, None)
        outcome = {"field": field, "version": changed["version"]}
        _close(
            vault, conn, row, core.State.FULFILLED, outcome, reply,
            core.RequestType.CORRECTION,
        )  # fmt: skip
        row = store.get_request(conn, row.id)
    return {**summary(row, vault.clock.now().date()), "reply": reply}


def _delete(
    vault: Vault, row: store.RequestRow, base: dict[str, Any], target: Path
) -> dict[str, Any]:
    outcome: dict[str, Any] = {}

    def finish(conn: Connection, run_id: str) -> None:
        vault.authorize(conn, action="rights-fulfil")
        outcome.update(_deletion_outcome(vault, conn, row.customer_id, run_id))
        _close(
            vault, conn, row, core.State.FULFILLED, outcome, None,
            core.RequestType.DELETION,
        )  # fmt: skip

    destruction.delete_customers(
        vault,
        [row.customer_id],
        reason=f"rights request R-{row.id} (PIPL Art. 47)",
        kind="erasure-request",
        legal_basis="PIPL Art. 47",
        in_same_transaction=finish,
    )
    with vault.write() as conn:
        vault.authorize(conn, action="rights-fulfil")
        reply = _reply(vault, base, row, _deletion_lines(outcome), target, None)
        store.update_request(conn, row.id, outcome={**outcome, "reply": _stored(reply)})
        vault.record(
            conn,
            action="rights-reply-written",
            target=f"rights-request:{row.id}",
            details={"sha256": reply["sha256"]},
        )
        row = store.get_request(conn, row.id)
    return {**summary(row, vault.clock.now().date()), "reply": reply}


def _deletion_outcome(
    vault: Vault, conn: Connection, customer_id: int, run_id: str
) -> dict[str, Any]:
    """Shredded, or restricted with each statute and its destroy-after date (R-47-3)."""
    status = store.customer_status(conn, customer_id)
    if status is None:
        return {"result": "shredded", "run_id": run_id}
    life = lifecycle_row(conn, customer_id)
    schedule = retention.load_schedule(vault)
    keys = [k for k in (life.restricted_rules if life else "").split(",") if k]
    rules = [schedule.rule(k) for k in keys]
    return {
        "result": "restricted",
        "run_id": run_id,
        "until": life.restricted_until if life else None,
        "statutes": [
            {"rule": r.key, "title": r.title, "source": r.source} for r in rules
        ],
    }


def _deletion_lines(outcome: dict[str, Any]) -> list[str]:
    run = outcome.get("run_id", "")
    if outcome.get("result") == "shredded":
        return [
            "已删除我们持有的您的全部个人信息（销毁其加密密钥的加密擦除，备份中的副本同时"
            f"不可恢复），销毁证明编号 {run}（《中华人民共和国个人信息保护法》第四十七条）。"
        ]
    statutes = "；".join(f"{s['title']}（{s['source']}）" for s in outcome["statutes"])
    until = outcome.get("until")
    until_zh = zh_date(dt.date.fromisoformat(until)) if until else "期限届满"
    return [
        "依法应当保存的个人信息暂不删除：依据"
        f"{statutes or '法律、行政法规规定的保存期限'}，保存至{until_zh}"
        "；保存期间除存储和采取必要的安全保护措施外停止处理，期满后删除（《中华人民共和国"
        "个人信息保护法》第四十七条第二款）。",
        f"其余个人信息已删除，销毁证明编号 {run}。",
    ]


# --- the reply --------------------------------------------------------------------------------


def _letter_base(
    vault: Vault, conn: Connection, row: store.RequestRow
) -> dict[str, Any]:
    """What every reply letter prints; names decrypted in memory only."""
    kind = core.RequestType(row.kind)
    try:
        _facts, plain = load_plain(conn, vault.keyring, row.customer_id)
    except NotFoundError:  # shredded since the request came in: a refusal still answers
        plain = {}
    values = {k: v for k, (v, _) in plain.items()}
    person = values.get("name") or values.get("customer_name") or ""
    requester = requester_of(vault, conn, row)
    kin = kind is core.RequestType.NEXT_OF_KIN
    addressee = requester.get("name") if isinstance(requester, dict) else None
    received = dt.date.fromisoformat(row.received_at[:10])
    article = core.ARTICLES[kind]
    return {
        **company.context(company.require_named(vault, conn)),
        "addressee": addressee or person or "客户",
        "deceased_name": person if kin else "",
        "request_id": row.id,
        "received_zh": zh_date(received),
        "channel_zh": core.CHANNELS.get(row.channel, row.channel),
        "type_zh": core.TYPE_ZH[kind]
        + (f"（{core.TYPE_ZH[core.RequestType(row.wants)]}）" if kin else ""),
        "article_zh": _article_zh(article),
        "refused": False,
        "outcome_lines": [],
        "extension_reason": row.extension_reason or "",
        "extended_zh": zh_date(dt.date.fromisoformat(row.extended_to))
        if row.extended_to
        else "",
        "date_zh": zh_date(vault.clock.now().date()),
    }


def _reply(
    vault: Vault,
    base: dict[str, Any],
    row: store.RequestRow,
    lines: list[str],
    target: Path,
    copy: dict[str, Any] | None,
) -> dict[str, Any]:
    html = rights_reply.render_letter(
        vault.settings.home, {**base, "outcome_lines": lines}
    )
    return rights_reply.write_reply(
        target / f"R-{row.id}", request_id=row.id, letter_html=html, copy=copy
    )


def _close(
    vault: Vault,
    conn: Connection,
    row: store.RequestRow,
    state: core.State,
    outcome: dict[str, Any],
    reply: dict[str, Any] | None,
    handled: core.RequestType | None,
) -> None:
    now = vault.now()
    stored = {**outcome, **({"reply": _stored(reply)} if reply else {})}
    store.update_request(
        conn, row.id, state=state.value, outcome=stored, updated_at=now, closed_at=now
    )
    vault.record(
        conn,
        action=f"rights-request-{state.value}",
        target=f"rights-request:{row.id}",
        details={
            "customer": row.customer_id,
            "kind": row.kind,
            "handled_as": handled.value if handled else None,
            "outcome": {k: v for k, v in outcome.items() if k != "explanation_sealed"},
            "reply_sha256": reply["sha256"] if reply else None,
        },
    )


def _stored(reply: dict[str, Any]) -> dict[str, Any]:
    """What the vault keeps of a reply: file names and digests (the files are outside)."""
    return {
        "files": {k: Path(v).name for k, v in reply["files"].items()},
        "sha256": reply["sha256"],
        "pdf_unavailable": reply["pdf_unavailable"],
    }


def _seal(
    vault: Vault, conn: Connection, row: store.RequestRow, what: str, text: str
) -> str:
    cipher = cipher_for(conn, vault.keyring, row.customer_id)
    blob = cipher.encrypt(f"rights-request:{row.id}:{what}", 1, text)
    return base64.b64encode(blob).decode("ascii")


def _article_zh(article: str) -> str:
    return _ARTICLE_ZH.get(article, article)


def _retention_line(retention: dict[str, Any]) -> str:
    rules = "；".join(f"{r['title']}（{r['source']}）" for r in retention["rules"])
    return f"保存期限：{rules or '处理目的所必要的最短时间'}。"


def _recipients_line(recipients: list[dict[str, Any]]) -> str:
    if not recipients:
        return "我们未向其他个人信息处理者提供您的个人信息。"
    names = "、".join(f"{r['name']}（{r['contact']}）" for r in recipients)
    return f"您的个人信息的接收方：{names}。"


_BASIS_ZH = {
    "consent": "您的同意",
    "contract": "订立、履行您作为一方当事人的合同所必需",
    "hr": "人力资源管理所必需",
    "legal-obligation": "履行法定职责或者法定义务所必需",
    "emergency": "应对突发事件或紧急情况所必需",
    "public-interest": "为公共利益实施新闻报道、舆论监督等",
    "public-info": "处理已公开的个人信息",
}

_ARTICLE_ZH = {
    "PIPL Art. 45 paras. 1-2": "《中华人民共和国个人信息保护法》第四十五条第一款、第二款",
    "PIPL Art. 45 para. 3; NDSMR Art. 25": "《中华人民共和国个人信息保护法》第四十五条第三款"
    "和《网络数据安全管理条例》第二十五条",
    "PIPL Art. 46": "《中华人民共和国个人信息保护法》第四十六条",
    "PIPL Art. 47": "《中华人民共和国个人信息保护法》第四十七条",
    "PIPL Art. 48": "《中华人民共和国个人信息保护法》第四十八条",
    "PIPL Art. 15": "《中华人民共和国个人信息保护法》第十五条",
    "PIPL Art. 24 para. 3": "《中华人民共和国个人信息保护法》第二十四条第三款",
    "PIPL Art. 49; Civil Code Art. 1045": "《中华人民共和国个人信息保护法》第四十九条和"
    "《中华人民共和国民法典》第一千零四十五条",
}
