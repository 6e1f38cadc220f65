"""The company profile: who the personal-information handler is (issue 13 item 9).

Every notice, certificate and report names the handler — legal name, unified social credit
code, postal address, contact and the personal-information protection officer (PIPL Arts. 17,
52) — never a "本公司" placeholder. SMS carry a registrable signature (【签名】, 2–16
characters). The profile is asked at ``piplvault init`` (optional options) and kept with
``piplvault company set|show``.

It is the company's own published information (PIPL Art. 52 requires the officer's contact to
be public): give a role contact for the officer (e.g. ``privacy@example.com``), not a private
phone. It is stored in the vault's ``meta`` table and every change is audited.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace

__all__ = [
    "Profile",
    "context",
    "load",
    "of",
    "replace",
    "require_named",
    "set_profile",
    "show",
]
from typing import TYPE_CHECKING, Any

from piplvault import discovery
from piplvault.errors import ValidationError, WorkflowError
from piplvault.store.engine import Connection
from piplvault.store.meta import read_meta, write_meta

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

META_KEY = "company_profile"
PLACEHOLDER = "本公司"
#: ``financial-institution``: AML Law (2024) duties apply — customer identity and transaction
#: records are kept 10 years and, on dissolution, go to the institution the State Council
#: department designates (R-AML-34-1; Arts. 34, 64–65).
SECTORS = ("general", "financial-institution")


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    name: str = ""
    uscc: str = ""
    address: str = ""
    contact: str = ""
    dpo: str = ""
    sms_signature: str = ""
    sector: str = "general"

    def signature(self) -> str:
        return self.sms_signature or self.name

    def to_dict(self) -> dict[str, str]:
        return {**asdict(self), "sms_signature": self.signature()}


FIELDS = tuple(f.name for f in fields(Profile))


def load(conn: Connection, fallback_name: str = "") -> Profile:
    """The stored profile; ``fallback_name`` (PIPLVAULT_COMPANY) when none is stored."""
    raw = read_meta(conn, META_KEY)
    profile = Profile(**json.loads(raw)) if raw else Profile()
    if not profile.name and fallback_name and fallback_name != PLACEHOLDER:
        profile = replace(profile, name=fallback_name)
    return profile


def of(vault: Vault, conn: Connection) -> Profile:
    return load(conn, vault.settings.company)


def require_named(vault: Vault, conn: Connection) -> Profile:
    """The profile, refusing to print notices or reports for an unnamed company."""
    profile = of(vault, conn)
    if not profile.name:
        raise WorkflowError(
            "The company profile has no name: notices and reports must name the handler "
            "(PIPL Art. 17). Run 'piplvault company set --name … --uscc … --address … "
            "--contact … --dpo …'"
        )
    return profile


def set_profile(vault: Vault, **changes: str | None) -> dict[str, str]:
    """Update the given fields (others unchanged), validated and audited."""
    given = {k: v.strip() for k, v in changes.items() if v is not None}
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise ValidationError(f"Unknown company field '{unknown[0]}'")
    if not given:
        raise ValidationError(
            "Give at least one of: name, uscc, address, contact, dpo, sms_signature, "
            "sector"
        )
    if given.get("uscc"):
        given["uscc"] = given["uscc"].upper()
        if not discovery.validate("CN_USCC", given["uscc"]):
            raise ValidationError(
                "Not a valid unified social credit code (GB 32100)", field="uscc"
            )
    if given.get("sector") is not None and given["sector"] not in SECTORS:
        raise ValidationError(
            f"The sector must be one of {', '.join(SECTORS)}", field="sector"
        )
    signature = given.get("sms_signature")
    if signature is not None and not 2 <= len(signature) <= 16:
        raise ValidationError(
            "The SMS signature must be 2–16 characters (the registered SMS "
            "signature, without 【】)",
            field="sms_signature",
        )
    with vault.write() as conn:
        vault.authorize(conn, action="manage-policy")
        raw = read_meta(conn, META_KEY)
        current = Profile(**json.loads(raw)) if raw else Profile()
        updated = replace(current, **given)
        write_meta(conn, META_KEY, json.dumps(asdict(updated), ensure_ascii=False))
        vault.record(
            conn,
            action="company-profile-set",
            target="vault",
            details={"fields": sorted(given), "name": updated.name},
        )
    return updated.to_dict()


def show(vault: Vault) -> dict[str, Any]:
    with vault.read() as conn:
        profile = of(vault, conn)
    missing = [
        f
        for f in ("name", "uscc", "address", "contact", "dpo")
        if not getattr(profile, f)
    ]
    return {**profile.to_dict(), "missing": missing}


def context(profile: Profile) -> dict[str, Any]:
    """What templates print: the handler's identity block and the SMS signature."""
    return {
        "company": profile.name,
        "company_profile": profile.to_dict(),
        "sms_signature": profile.signature(),
    }
