"""Chinese (and English) labels for the keys and codes documents show to people."""

from __future__ import annotations

#: Data categories (core/classification) as a Chinese reader names them.
CATEGORY_ZH = {
    "identity": "身份信息",
    "contact": "联系方式",
    "address": "地址",
    "financial": "财务信息",
    "organisation": "单位信息",
    "transaction": "交易信息",
    "business": "业务信息",
    "network": "网络信息",
    "free_text": "备注",
}

#: The pseudonymous customer ids on certificates, explained (vault/shred_run.py PSEUDONYM_METHOD).
PSEUDONYM_METHOD_ZH = (
    "客户假名标识 = 以本保险库盲索引密钥（第 {v} 版）对“certificate”与客户编号计算的 "
    "HMAC-SHA256 值的前 16 字节（十六进制）。只有本保险库能把假名对应回客户编号；"
    "本证明不含任何个人信息。"
)

#: Keys of JSON documents (reports, plans, inventories, audit entries) → Chinese label.
KEY_ZH = {
    "title": "标题",
    "type": "类型",
    "case": "案件编号",
    "company": "公司",
    "deal": "交易",
    "mode": "方式",
    "recipient": "接收方",
    "custodian": "保管人",
    "purposes": "处理目的",
    "persons": "涉及人数",
    "persons_transferred": "转移人数",
    "customers_kept": "保留客户数",
    "customers_destroyed": "销毁客户数",
    "exclusions": "排除",
    "reason": "原因",
    "effective_date": "生效日期",
    "security_measures": "安全措施",
    "legal_basis": "法律依据",
    "generated_at": "生成时间",
    "as_of": "基准日期",
    "summary": "汇总",
    "customers": "客户",
    "customer_id": "客户编号",
    "outcome": "结果",
    "rules": "规则",
    "restricted_until": "限制处理至",
    "hold_ends_on": "冻结截止",
    "review_on": "复核日期",
    "seq": "序号",
    "at": "时间",
    "actor": "操作人",
    "action": "操作",
    "target": "对象",
    "purpose": "目的",
    "details": "详情",
    "hash": "哈希",
    "file": "文件",
    "files": "文件",
    "column": "列",
    "columns": "列",
    "category": "类别",
    "categories": "类别",
    "kind": "种类",
    "count": "数量",
    "rows": "行数",
    "sha256": "SHA-256",
    "party": "对方",
    "name": "名称",
    "identifier": "证照号码",
    "contact": "联系方式",
    "included": "纳入",
    "excluded": "排除",
    "notices": "告知",
    "generated": "已生成",
    "delivered": "已送达",
    "failed": "失败",
    "announced": "已公告",
    "window_ends_on": "异议期截止",
    "state": "状态",
    "counts": "人数统计",
}

#: Outcomes and kinds that appear as values in tables.
VALUE_ZH = {
    # rights requests (PIPL Arts. 44-50): states and types
    "received": "已收到",
    "verified": "已核验身份",
    "in_progress": "办理中",
    "extended": "已延期",
    "fulfilled": "已办结",
    "access": "查阅复制",
    "portability": "转移",
    "correction": "更正",
    "deletion": "删除请求",
    "explanation": "解释说明",
    "withdrawal": "撤回同意",
    "automated-decision": "拒绝自动化决策",
    "next-of-kin": "近亲属请求",
    "delete": "删除",
    "restrict": "限制处理",
    "keep": "保留",
    "hold": "冻结",
    "ok": "成功",
    "denied": "拒绝",
    "individual": "个人",
    "enterprise": "企业",
    "active": "正常",
    "restricted": "限制处理",
    "winding-down": "清算中",
    "sealed": "已封存",
    "allowed": "允许",
    "refused": "拒绝",
    "merger": "合并",
    "division": "分立",
    "asset-sale": "资产出售",
    "share-transfer": "股权转让",
    "notice": "告知",
    "consent": "同意",
    "contract": "合同履行",
    "after-sales": "售后服务",
    "objection-window": "异议期",
    "ready": "就绪",
    "recipient": "接收方",
    "custodian": "保管人",
}


def label(key: str, lang: str) -> str:
    """``客户编号 customer_id`` style label in zh, the key itself in en."""
    if lang.startswith("zh") and key in KEY_ZH:
        return KEY_ZH[key]
    return key.replace("_", " ")


def category(name: str, lang: str = "zh") -> str:
    return CATEGORY_ZH.get(name, name) if lang.startswith("zh") else name


def pseudonym_method_zh(method_en: str) -> str:
    """The Chinese explanation for a certificate's English ``pseudonym_method``."""
    import re

    found = re.search(r"version (\d+)", method_en)
    return PSEUDONYM_METHOD_ZH.format(v=found.group(1) if found else "?")
