"""Every audit action name the vault writes, with what it means (zh-CN, en) and its law.

The audit log is only as readable as its action names: this registry is the one list. An
entry whose action is not here is refused when it is appended (fail closed: no audit entry,
no operation), a test walks ``src/`` for every ``action=…`` and names the missing ones, and
``docs/audit-events.md`` is generated from it::

    python -m piplvault.audit.events > docs/audit-events.md

A refusal is recorded under the name of what was refused (outcome ``denied``): the policy
actions (``reveal``, ``delete``, …) and the case steps (``transfer-package``, …) are
therefore events too.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from piplvault.errors import AuditUnavailableError

#: Where a new name goes; the unregistered-event message points here.
REGISTRY_FILE = "src/piplvault/audit/events.py"
DOC_COMMAND = "python -m piplvault.audit.events > docs/audit-events.md"


@dataclass(frozen=True, slots=True)
class Event:
    """One audit action: its kebab-case name, a zh-CN and an English description, the
    article of law it serves (or ``""``) and the area it belongs to."""

    name: str
    zh: str
    en: str
    article: str = ""
    area: str = ""


_P51 = "PIPL Art. 51"
_P47 = "PIPL Art. 47"
_P22 = "PIPL Art. 22"
_P15 = "PIPL Art. 15"
_GB7 = "GB/T 35273-2020 §7 (R-GB35273-7-1)"
_NDS9 = "NDSMR Art. 9"

_EVENTS: tuple[Event, ...] = (
    # --- vault, keys, server ----------------------------------------------------------
    Event("vault-created", "创建保险库", "The vault was created", _P51, "vault"),
    Event("vault-restored", "从备份恢复保险库", "The vault was restored from a backup", _NDS9, "vault"),
    Event("vault-key-created", "生成新版本密钥", "A new vault key version was created", _P51, "vault"),
    Event("vault-key-destroyed", "销毁旧版本密钥", "An old vault key version was destroyed", _P51, "vault"),
    Event("keys-rotated", "轮换密钥", "Vault keys were rotated", _P51, "vault"),
    Event("master-passphrase-changed", "更换主口令", "The master passphrase was changed", _P51, "vault"),
    Event("custody-split", "主口令拆分为多人份额", "The unseal secret was split into k-of-n shares", _P51, "vault"),
    Event("server-unsealed", "服务解封", "piplvault serve unsealed the vault", _P51, "vault"),
    Event("server-sealed", "服务封存（密钥清除）", "The server dropped its keys (sealed)", _P51, "vault"),
    Event("server-seal", "管理员请求封存服务", "An administrator asked the server to seal", _P51, "vault"),
    Event("policy-file-changed", "权限策略文件变更", "policy.toml changed since it was last seen", _P51, "vault"),
    Event("record-macs-sealed", "记录完整性校验码已建立", "Record integrity MACs were written", _P51, "vault"),
    Event("record-integrity-failed", "记录完整性校验失败", "A customer record failed its integrity check", _P51, "vault"),
    Event("company-profile-set", "设置公司信息", "The company profile was set", "PIPL Art. 17", "vault"),
    # --- people, login, training ----------------------------------------------------------
    Event("login", "登录", "A user logged in (token issued)", _P51, "people"),
    Event("login-failed", "登录失败", "A login or credential check failed", _P51, "people"),
    Event("logout", "退出登录", "A user logged out (token revoked)", _P51, "people"),
    Event("user-added", "添加用户", "A user was added", "PIPL Art. 51(4)", "people"),
    Event("user-disabled", "停用用户", "A user was disabled", "PIPL Art. 51(4)", "people"),
    Event("users-listed", "查看用户列表", "Users were listed", _P51, "people"),
    Event("password-set", "设置密码", "A user's password was set", _P51, "people"),
    Event("token-issued", "签发 API 令牌", "An API token was issued", _P51, "people"),
    Event("token-revoked", "吊销 API 令牌", "An API token was revoked", _P51, "people"),
    Event("tokens-listed", "查看 API 令牌列表", "API tokens were listed", _P51, "people"),
    Event("training-recorded", "记录培训", "A data-protection training was recorded", "PIPL Art. 51(4)", "people"),
    Event("training-listed", "查看培训记录", "Training records were listed", "PIPL Art. 51(4)", "people"),
    # --- customers ------------------------------------------------------------------------
    Event("customers-imported", "导入客户", "Customers were imported from a file", "PIPL Art. 13", "customers"),
    Event("import-dry-run", "试导入（未写入）", "An import was tried without writing", "", "customers"),
    Event("customers-listed", "查看客户列表（掩码）", "Customers were listed, masked", "PIPL Art. 51(3)", "customers"),
    Event("customers-searched", "按盲索引查找客户", "Customers were looked up by blind index", "PIPL Art. 51(3)", "customers"),
    Event("customer-read", "查看客户（掩码）", "A customer was read, masked", "PIPL Art. 51(3)", "customers"),
    Event("pii-revealed", "查看明文个人信息", "Plaintext personal information was revealed", "PIPL Arts. 6, 51", "customers"),
    Event("customer-field-updated", "更正客户字段", "A customer field was updated (new version)", "PIPL Art. 46", "customers"),
    Event("customers-flagged-listed", "查看待复核客户", "Customers flagged at import were listed", "", "customers"),
    Event("customer-flag-confirmed", "确认待复核客户", "A flagged customer was confirmed", "", "customers"),
    # --- purposes, consents, policy -------------------------------------------------------
    Event("purpose-added", "新增处理目的", "A processing purpose was added", "PIPL Art. 6", "consents"),
    Event("consent-granted", "记录同意", "A consent was recorded", "PIPL Art. 14", "consents"),
    Event("consent-withdrawn", "撤回同意", "A consent was withdrawn", _P15, "consents"),
    Event("consents-read", "查看同意记录", "A customer's consents were read", "PIPL Art. 14", "consents"),
    Event("policy-checked", "权限判定说明", "A policy decision was explained", _P51, "consents"),
    # --- retention, holds, deletion -------------------------------------------------------
    Event("retention-facts-set", "设置保存期限起算日期", "Retention start dates were set", "PIPL Art. 19", "lifecycle"),
    Event("retention-planned", "生成保存期限计划", "A retention plan was computed", "PIPL Art. 19", "lifecycle"),
    Event("legal-hold-placed", "设置诉讼保全", "A legal hold was placed", _P47, "lifecycle"),
    Event("legal-hold-lifted", "解除诉讼保全", "A legal hold was lifted", _P47, "lifecycle"),
    Event("legal-holds-listed", "查看诉讼保全", "Legal holds were listed", _P47, "lifecycle"),
    Event("customers-shredded", "加密擦除客户（销毁证明）", "Customers were crypto-shredded (certificate issued)", _P47, "lifecycle"),
    # --- second approver ------------------------------------------------------------------
    Event("approval-requested", "申请第二审批人批准", "A destructive bulk operation asked for a second approver", _GB7, "approvals"),
    Event("approval-approved", "第二审批人批准", "A second administrator approved the request", _GB7, "approvals"),
    Event("approval-rejected", "审批被驳回", "An administrator rejected the request", _GB7, "approvals"),
    Event("approval-used", "使用审批执行操作", "An approval was used by the run it was given for", _GB7, "approvals"),
    Event("approval-refused", "审批无效或自批被拒", "An approval step was refused (self-approval, expired, reused, changed)", _GB7, "approvals"),
    # --- audit, backups -------------------------------------------------------------------
    Event("audit-log-read", "读取审计日志", "The audit log was read", _P51, "audit"),
    Event("backup-created", "创建备份", "An encrypted backup was created", _NDS9, "audit"),
    Event("backup-epoch-created", "创建备份周期密钥", "A backup epoch key was created", _NDS9, "audit"),
    Event("backup-epoch-destroyed", "销毁过期备份周期密钥", "An expired backup epoch key was destroyed", _P47, "audit"),
    Event("backup-key-store-read", "读取备份密钥库", "The backup key store was read", _NDS9, "audit"),
    # --- cases: transfer ------------------------------------------------------------------
    Event("transfer-created", "创建转让案件", "A transfer case was opened", _P22, "transfer"),
    Event("transfer-step", "转让案件进入下一步", "A transfer case moved to its next step", _P22, "transfer"),
    Event("transfer-notice-check", "转让告知检查", "A transfer step checked the notices", _P22, "transfer"),
    Event("transfer-objection", "记录反对", "A customer's objection was recorded", _P22, "transfer"),
    Event("transfer-consent", "记录转让同意", "A customer's consent to the transfer was recorded", _P22, "transfer"),
    Event("transfer-advance", "转让案件推进", "A transfer case was advanced", _P22, "transfer"),
    Event("transfer-package", "生成移交包", "The handover package was built", _P22, "transfer"),
    Event("transfer-complete", "转让完成（销毁源副本）", "The transfer completed (source copies destroyed)", _P22, "transfer"),
    Event("transfer-complete-resumed", "转让完成（恢复证明文件）", "A completed transfer re-wrote its certificate file", _P22, "transfer"),
    Event("discontinue-relationships-ended", "停业：终止客户关系", "A discontinued business ended every customer relationship", _P47, "transfer"),
    Event("due-diligence-report", "尽职调查报告", "A due-diligence report was written", _P22, "transfer"),
    Event("package-received", "接收移交包", "A handover package was received and imported", _P22, "transfer"),
    Event("notice-delivery-recorded", "记录告知送达", "Delivery of a notice was recorded", "PIPL Arts. 17, 22", "transfer"),
    Event("regulator-report", "向监管报告", "A regulator report was written", "NDSMR Art. 32", "transfer"),
    # --- cases: deregistration, address change --------------------------------------------
    Event("deregistration-started", "开始注销", "A deregistration case was opened", _P47, "deregistration"),
    Event("deregistration-step", "注销案件进入下一步", "A deregistration case moved to its next step", _P47, "deregistration"),
    Event("deregistration-split", "划分保留与销毁", "The must-keep / destroy split was computed", "PIPL Art. 47(2)", "deregistration"),
    Event("deregistration-notices", "生成注销告知书", "Closing notices were written", "PIPL Art. 17", "deregistration"),
    Event("deregistration-notice-check", "注销告知检查", "A deregistration step checked the notices", "PIPL Art. 17", "deregistration"),
    Event("deregistration-creditor", "记录债权人", "A creditor's claim was recorded or settled", "Company Law Art. 235", "deregistration"),
    Event("deregistration-custodian", "指定保管人", "The custodian was named", _P22, "deregistration"),
    Event("deregistration-package", "生成保管移交包", "The custodian package was built", _P22, "deregistration"),
    Event("deregistration-shred", "注销：加密擦除", "The deregistration shred step", "PIPL Art. 47(1)", "deregistration"),
    Event("deregistration-seal", "注销：封存保险库", "The deregistration seal step", "R-CO-I2-18-1", "deregistration"),
    Event("outside-copy-recorded", "登记外部副本", "A copy outside the vault was recorded", _P47, "deregistration"),
    Event("outside-copy-destroyed", "外部副本已销毁", "A copy outside the vault was destroyed", _P47, "deregistration"),
    Event("closing-report-written", "生成清算档案报告", "The closing report was written", _P47, "deregistration"),
    Event("vault-sealed", "保险库已封存（只读）", "The vault was sealed read-only", "R-CO-I2-18-1", "deregistration"),
    Event("address-change-noticed", "注册地址变更告知", "A registered-address change was noticed", "PIPL Art. 17", "deregistration"),
    Event("address-change-step", "地址变更案件进入下一步", "An address-change case moved to its next step", "PIPL Art. 17", "deregistration"),
    # --- policy actions: a refusal is recorded under the action refused --------------------
    Event("read-masked", "拒绝：查看（掩码）", "Refused: read masked", _P51, "refusals"),
    Event("reveal", "拒绝：查看明文", "Refused: reveal plaintext", _P51, "refusals"),
    Event("update", "拒绝：更正", "Refused: update", _P51, "refusals"),
    Event("import", "拒绝：导入", "Refused: import", _P51, "refusals"),
    Event("export", "拒绝：导出", "Refused: export", _P51, "refusals"),
    Event("delete", "拒绝：删除", "Refused: delete", _P51, "refusals"),
    Event("retention-apply", "拒绝：执行保存期限", "Refused: apply retention", _P51, "refusals"),
    Event("legal-hold", "拒绝：诉讼保全", "Refused: legal holds", _P51, "refusals"),
    Event("backup", "拒绝：备份", "Refused: backup", _P51, "refusals"),
    Event("restore", "拒绝：恢复", "Refused: restore", _P51, "refusals"),
    Event("manage-keys", "拒绝：密钥管理", "Refused: manage keys", _P51, "refusals"),
    Event("manage-users", "拒绝：用户管理", "Refused: manage users", _P51, "refusals"),
    Event("manage-policy", "拒绝：策略管理", "Refused: manage policy", _P51, "refusals"),
    Event("manage-consents", "拒绝：同意管理", "Refused: manage consents", _P51, "refusals"),
    Event("audit-read", "拒绝：读取审计", "Refused: read the audit log", _P51, "refusals"),
    Event("report", "拒绝：报告", "Refused: reports", _P51, "refusals"),
    Event("transfer", "拒绝：转让", "Refused: transfer", _P51, "refusals"),
    Event("deregister", "拒绝：注销", "Refused: deregistration", _P51, "refusals"),
    # --- web console --------------------------------------------------------------------
    Event("console-login", "控制台登录", "A user logged in to the web console", _P51, "people"),
    Event("console-logout", "控制台退出", "A user logged out of the web console", _P51, "people"),
    Event("login-throttled", "登录被限流", "Too many failed console logins: refused for a while", _P51, "people"),
    # --- individuals' rights requests (PIPL Arts. 44-50) ------------------------------------
    Event("rights-request-opened", "受理个人权利请求", "A rights request was received", "PIPL Art. 50", "rights"),
    Event("rights-request-verified", "核验请求人身份", "The requester's identity was verified", "PIPL Art. 50", "rights"),
    Event("rights-request-started", "开始办理权利请求", "Work on a rights request started", "PIPL Art. 50", "rights"),
    Event("rights-request-extended", "延长权利请求答复期限", "A rights request's due date was extended", "PIPL Art. 50", "rights"),
    Event("rights-request-read", "查看权利请求", "A rights request was read", "PIPL Art. 50", "rights"),
    Event("rights-request-fulfilled", "权利请求已办结", "A rights request was fulfilled", "PIPL Arts. 44-49", "rights"),
    Event("rights-request-refused", "拒绝权利请求", "A rights request was refused on a lawful ground", "PIPL Art. 50", "rights"),
    Event("rights-reply-written", "写出权利请求答复", "A reply (copy, letter) was written for a rights request", "PIPL Arts. 45, 50", "rights"),
    Event("rights-intake", "拒绝：受理权利请求", "Refused: rights request intake", _P51, "refusals"),
    Event("rights-fulfil", "拒绝：办理权利请求", "Refused: fulfil a rights request", _P51, "refusals"),
    # --- security incidents (PIPL Art. 57) -------------------------------------------------
    Event("incident-opened", "登记安全事件", "A security incident was recorded", "PIPL Art. 57", "incidents"),
    Event("incident-updated", "更新安全事件", "A security incident was updated", "PIPL Art. 57", "incidents"),
    Event("incident-scoped", "计算受影响个人", "The people affected by an incident were computed", "PIPL Art. 57", "incidents"),
    Event("incident-report", "生成事件报告", "The regulator report for an incident was written", "PIPL Art. 57", "incidents"),
    Event("incident-notices", "生成个人告知", "Notices to the affected people were written", "PIPL Art. 57", "incidents"),
    Event("incident-closed", "安全事件结案", "A security incident was closed with its review", "PIPL Art. 57", "incidents"),
    Event("drill-recorded", "登记应急演练", "An emergency drill was recorded", "PIPL Art. 51(5)", "incidents"),
    Event("incident", "拒绝：安全事件", "Refused: security incidents", _P51, "refusals"),
    # --- sharing and cross-border (PIPL Arts. 23, 38-39) -----------------------------------
    Event("recipient-added", "登记接收方", "A recipient was added to the register", "PIPL Art. 23", "sharing"),
    Event("recipient-mechanism", "登记出境机制", "A cross-border mechanism was recorded for a recipient", "PIPL Art. 38", "sharing"),
    Event("share-exported", "向接收方提供个人信息", "Personal information was exported to a registered recipient", "PIPL Arts. 23, 39", "sharing"),
    Event("share-export", "拒绝：向接收方提供", "Refused: export to a recipient", "PIPL Arts. 23, 38", "refusals"),
    Event("share", "拒绝：接收方登记与提供", "Refused: recipients register and exports", _P51, "refusals"),
)  # fmt: skip

EVENTS: dict[str, Event] = {e.name: e for e in _EVENTS}
if len(EVENTS) != len(_EVENTS):  # pragma: no cover  a duplicate is a bug in this file
    raise RuntimeError("duplicate audit event name in piplvault.audit.events")


def is_registered(action: str) -> bool:
    return action in EVENTS


def require_registered(action: str) -> None:
    """Refuse (fail closed) an audit entry whose action is not in the registry."""
    if action not in EVENTS:
        raise AuditUnavailableError(unregistered_message([action]))


def unregistered_message(names: list[str]) -> str:
    """Exactly which names to add, and where."""
    listed = ", ".join(f"'{n}'" for n in sorted(set(names)))
    return (
        f"Audit action(s) {listed} not registered, so nothing was done: add "
        f'Event("NAME", "中文说明", "English description", "article", "area") for each '
        f"to _EVENTS in {REGISTRY_FILE}, then regenerate the docs: {DOC_COMMAND}"
    )


def render_markdown() -> str:
    """``docs/audit-events.md``: every event by area, in both languages."""
    lines = [
        "# Audit events (审计事件)",
        "",
        "<!-- generated by `python -m piplvault.audit.events`; edit "
        "src/piplvault/audit/events.py, not this file -->",
        "",
        "Every action name the audit log can hold. An entry with any other name is refused "
        "when it is written (no audit entry, no operation). A refusal is recorded under the "
        "name of what was refused, with outcome `denied`.",
        "",
    ]
    areas: dict[str, list[Event]] = {}
    for event in _EVENTS:
        areas.setdefault(event.area, []).append(event)
    for area, events in areas.items():
        lines += [
            f"## {area}",
            "",
            "| action | 说明 | description | law |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{e.name}` | {e.zh} | {e.en} | {e.article or '-'} |" for e in events
        ]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
