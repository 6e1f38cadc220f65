"""The built-in purpose catalogue (处理目的) and their legal bases (PIPL Art. 13)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from piplvault.errors import ValidationError


class LegalBasis(StrEnum):
    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal-obligation"
    HR = "hr"
    EMERGENCY = "emergency"
    PUBLIC_INTEREST = "public-interest"
    PUBLIC_INFO = "already-public"


@dataclass(frozen=True, slots=True, kw_only=True)
class Purpose:
    key: str
    name_zh: str
    basis: LegalBasis


BUILTIN_PURPOSES: tuple[Purpose, ...] = (
    Purpose(key="contract", name_zh="合同履行", basis=LegalBasis.CONTRACT),
    Purpose(key="after-sales", name_zh="售后服务", basis=LegalBasis.CONTRACT),
    Purpose(key="marketing", name_zh="营销推广", basis=LegalBasis.CONSENT),
    Purpose(key="finance", name_zh="财务结算", basis=LegalBasis.CONTRACT),
    Purpose(
        key="legal-obligation", name_zh="法定义务", basis=LegalBasis.LEGAL_OBLIGATION
    ),
    Purpose(
        key="data-management", name_zh="数据管理", basis=LegalBasis.LEGAL_OBLIGATION
    ),
)


def resolve_purpose(name: str) -> Purpose:
    """Find a purpose by key or Chinese name; the error lists the valid ones."""
    for purpose in BUILTIN_PURPOSES:
        if name in (purpose.key, purpose.name_zh):
            return purpose
    valid = ", ".join(f"{p.key} ({p.name_zh})" for p in BUILTIN_PURPOSES)
    raise ValidationError(f"Unknown purpose '{name}'; valid purposes: {valid}")
