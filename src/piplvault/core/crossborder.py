"""Cross-border provision (PIPL Arts. 38-39; Cross-border Provisions 2024): which mechanism a
year's volume needs, and whether a recipient's recorded mechanism covers it.

Pure. Counts are distinct natural persons sent abroad since 1 January of the current year
(R-XB-1), split into all persons and persons whose sensitive PI was sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piplvault.errors import ValidationError

MECHANISMS = ("security-assessment", "standard-contract", "certification", "exemption")
MECHANISM_ZH = {
    "security-assessment": "数据出境安全评估",
    "standard-contract": "个人信息出境标准合同备案",
    "certification": "个人信息保护认证",
    "exemption": "豁免情形",
}
#: What a volume needs, weakest first.
NEEDS = ("none", "contract-or-certification", "security-assessment")
SOURCE = "Cross-border Provisions 2024 (R-XB-1, S); PIPL Art. 38 (R-38-1, V)"
DOMESTIC = "CN"


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossBorderRules:
    """Thresholds, configurable (setting ``crossborder_thresholds``)."""

    contract_persons: int = 100_000
    assessment_persons: int = 1_000_000
    assessment_sensitive: int = 10_000
    cii: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.contract_persons <= self.assessment_persons:
            raise ValidationError(
                "Cross-border thresholds must rise: contract ≤ assessment, above 0"
            )
        if self.assessment_sensitive < 1:
            raise ValidationError("The sensitive-PI threshold must be at least 1")

    @classmethod
    def parse(cls, text: str, *, cii: bool) -> CrossBorderRules:
        """From the settings text ``"100000,1000000,10000"``."""
        try:
            low, high, sensitive = (
                int(p.strip().replace("_", "")) for p in text.split(",")
            )
        except ValueError as exc:
            raise ValidationError(
                f"Setting crossborder_thresholds must be three whole numbers, got {text!r}"
            ) from exc
        return cls(
            contract_persons=low,
            assessment_persons=high,
            assessment_sensitive=sensitive,
            cii=cii,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "contract_persons": self.contract_persons,
            "assessment_persons": self.assessment_persons,
            "assessment_sensitive": self.assessment_sensitive,
            "cii": self.cii,
            "source": SOURCE,
        }


def required(persons: int, sensitive: int, rules: CrossBorderRules) -> str:
    """The mechanism a year's cumulative volume needs (R-XB-1 test table)."""
    if persons < 0 or sensitive < 0 or sensitive > persons:
        raise ValidationError("Counts must be 0 or more, sensitive ≤ persons")
    if rules.cii and persons > 0:
        return "security-assessment"  # R-40-1: any PI from a CII operator
    if persons >= rules.assessment_persons or sensitive >= rules.assessment_sensitive:
        return "security-assessment"
    if persons >= rules.contract_persons or sensitive >= 1:
        return "contract-or-certification"
    return "none"


def covers(mechanism: str | None, need: str) -> bool:
    """Whether a recorded ``mechanism`` satisfies ``need`` (an exemption covers any
    volume: the listed exempt situations apply whatever the numbers)."""
    if need == "none":
        return True
    if mechanism in ("security-assessment", "exemption"):
        return True
    return need == "contract-or-certification" and mechanism in (
        "standard-contract",
        "certification",
    )


def is_expired(expires_on: dt.date | None, today: dt.date) -> bool:
    """An assessment or certificate past its expiry blocks exports (R-XB-3)."""
    return expires_on is not None and today > expires_on


def is_abroad(country: str) -> bool:
    """Anything outside mainland China (``CN``) is cross-border."""
    return country.strip().upper() != DOMESTIC
