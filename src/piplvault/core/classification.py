"""What each kind of personal information is: sensitivity, grade, category, customer kind.

The catalogue follows PIPL Art. 28 (sensitive personal information), GB/T 35273-2020
Appendix B (examples of sensitive PI) and the grading spirit of GB/T 43697-2024:

* grade 4 — sensitive PI whose leak directly endangers property or personal safety
  (bank accounts, identity documents);
* grade 3 — sensitive or highly identifying PI (dates of birth, plates, free text that may hold
  anything);
* grade 2 — general PI that identifies or reaches a person (names, phones, e-mail, addresses);
* grade 1 — information about an enterprise, or non-personal business data.

``UNREVIEWED`` is the fail-closed class of a column nobody has identified yet: it is held
as sensitive free text (grade 3, fully masked) until a person maps it (``--map``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Sensitivity(StrEnum):
    SENSITIVE = "sensitive"
    GENERAL = "general"


class Category(StrEnum):
    IDENTITY = "identity"
    CONTACT = "contact"
    FINANCIAL = "financial"
    ADDRESS = "address"
    ORGANISATION = "organisation"
    TRANSACTION = "transaction"
    NETWORK = "network"
    FREE_TEXT = "free_text"
    BUSINESS = "business"


class CustomerKind(StrEnum):
    INDIVIDUAL = "individual"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityClass:
    """The fixed classification of one entity type."""

    entity: str
    field: str
    label_zh: str
    label_en: str
    sensitivity: Sensitivity | None
    grade: int
    category: Category
    implies: CustomerKind | None


_S, _G = Sensitivity.SENSITIVE, Sensitivity.GENERAL
_I, _E = CustomerKind.INDIVIDUAL, CustomerKind.ENTERPRISE

ENTITIES: dict[str, EntityClass] = {
    e.entity: e
    for e in (
        EntityClass(
            entity="CN_RESIDENT_ID",
            field="id_number",
            label_zh="身份证号",
            label_en="Resident ID number",
            sensitivity=_S,
            grade=4,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="PASSPORT",
            field="passport",
            label_zh="护照号",
            label_en="Passport number",
            sensitivity=_S,
            grade=4,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="HK_MACAO_PERMIT",
            field="hk_macao_permit",
            label_zh="港澳通行证",
            label_en="Hong Kong/Macao travel permit",
            sensitivity=_S,
            grade=4,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="TAIWAN_PERMIT",
            field="taiwan_permit",
            label_zh="台湾通行证",
            label_en="Taiwan travel permit",
            sensitivity=_S,
            grade=4,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="HMT_RESIDENCE_PERMIT",
            field="residence_permit",
            label_zh="港澳台居民居住证号",
            label_en="Residence permit for Hong Kong, Macao and Taiwan residents",
            sensitivity=_S,
            grade=4,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="FOREIGN_PERMANENT_RESIDENT_ID",
            field="permanent_residence_id",
            label_zh="外国人永久居留身份证号",
            label_en="Foreign permanent resident ID number",
            sensitivity=_S,
            grade=4,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="MILITARY_ID",
            field="military_id",
            label_zh="军官证/士兵证号",
            label_en="Military officer/soldier ID number",
            sensitivity=_S,
            grade=4,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="BANK_CARD",
            field="bank_card",
            label_zh="银行卡号",
            label_en="Bank card number",
            sensitivity=_S,
            grade=4,
            category=Category.FINANCIAL,
            implies=_I,
        ),
        EntityClass(
            entity="BANK_BRANCH",
            field="bank_branch",
            label_zh="开户行",
            label_en="Bank branch",
            sensitivity=_S,
            grade=3,
            category=Category.FINANCIAL,
            implies=None,
        ),
        EntityClass(
            entity="DATE_OF_BIRTH",
            field="birth_date",
            label_zh="出生日期",
            label_en="Date of birth",
            sensitivity=_G,
            grade=3,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="LICENSE_PLATE",
            field="license_plate",
            label_zh="车牌号",
            label_en="Licence plate",
            sensitivity=_G,
            grade=3,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="PERSON",
            field="name",
            label_zh="姓名",
            label_en="Name",
            sensitivity=_G,
            grade=2,
            category=Category.IDENTITY,
            implies=_I,
        ),
        EntityClass(
            entity="CN_MOBILE",
            field="mobile",
            label_zh="手机号",
            label_en="Mobile number",
            sensitivity=_G,
            grade=2,
            category=Category.CONTACT,
            implies=None,
        ),
        EntityClass(
            entity="CN_LANDLINE",
            field="landline",
            label_zh="固定电话",
            label_en="Landline number",
            sensitivity=_G,
            grade=2,
            category=Category.CONTACT,
            implies=None,
        ),
        EntityClass(
            entity="EMAIL",
            field="email",
            label_zh="电子邮箱",
            label_en="E-mail",
            sensitivity=_G,
            grade=2,
            category=Category.CONTACT,
            implies=None,
        ),
        EntityClass(
            entity="ADDRESS",
            field="address",
            label_zh="地址",
            label_en="Address",
            sensitivity=_G,
            grade=2,
            category=Category.ADDRESS,
            implies=None,
        ),
        EntityClass(
            entity="IP_ADDRESS",
            field="ip_address",
            label_zh="IP地址",
            label_en="IP address",
            sensitivity=_G,
            grade=2,
            category=Category.NETWORK,
            implies=None,
        ),
        EntityClass(
            entity="WECHAT_ID",
            field="wechat",
            label_zh="微信号",
            label_en="WeChat ID",
            sensitivity=_G,
            grade=2,
            category=Category.CONTACT,
            implies=_I,
        ),
        EntityClass(
            entity="QQ_NUMBER",
            field="qq",
            label_zh="QQ号",
            label_en="QQ number",
            sensitivity=_G,
            grade=2,
            category=Category.CONTACT,
            implies=_I,
        ),
        EntityClass(
            entity="EMERGENCY_CONTACT",
            field="emergency_contact",
            label_zh="紧急联系人",
            label_en="Emergency contact",
            sensitivity=_G,
            grade=2,
            category=Category.CONTACT,
            implies=_I,
        ),
        EntityClass(
            entity="UNREVIEWED",
            field="",
            label_zh="待确认",
            label_en="Unreviewed",
            sensitivity=_S,
            grade=3,
            category=Category.FREE_TEXT,
            implies=None,
        ),
        EntityClass(
            entity="ORG_NAME",
            field="company",
            label_zh="公司名称",
            label_en="Company name",
            sensitivity=None,
            grade=1,
            category=Category.ORGANISATION,
            implies=_E,
        ),
        EntityClass(
            entity="CN_USCC",
            field="uscc",
            label_zh="统一社会信用代码",
            label_en="Unified social credit code",
            sensitivity=None,
            grade=1,
            category=Category.ORGANISATION,
            implies=_E,
        ),
    )
}

#: Free-text columns may hold any entity; they are classified at the highest grade found
#: in practice (ID numbers and cards turn up in notes), so they are sensitive, grade 3.
FREE_TEXT = EntityClass(
    entity="FREE_TEXT",
    field="notes",
    label_zh="备注",
    label_en="Notes",
    sensitivity=_S,
    grade=3,
    category=Category.FREE_TEXT,
    implies=None,
)

#: Business columns that are not personal on their own (order numbers, amounts). Once
#: linked to a customer they are still stored encrypted, but graded 1 and not masked.
BUSINESS = EntityClass(
    entity="BUSINESS",
    field="",
    label_zh="业务数据",
    label_en="Business data",
    sensitivity=None,
    grade=1,
    category=Category.BUSINESS,
    implies=None,
)


def classify_entity(entity: str) -> EntityClass:
    """The classification of ``entity``; raises KeyError naming the valid entities."""
    try:
        return ENTITIES[entity]
    except KeyError:
        valid = ", ".join(sorted(ENTITIES))
        raise KeyError(f"Unknown entity '{entity}'; valid entities: {valid}") from None
