"""Who may see what, for which purpose: authentication, actors and the authorize choke point.

Every use case that touches personal data calls :func:`authorize` with an action, a declared
purpose, the customer and the fields involved. A refusal raises PermissionDeniedError naming
the missing piece; :meth:`Vault.write` rolls the use case back and audits the refusal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from piplvault.core import policy as core
from piplvault.core.customers import FieldDef
from piplvault.errors import (
    AuthenticationError,
    ConfigError,
    PermissionDeniedError,
    ValidationError,
)
from piplvault.store import consents, purposes, training, users
from piplvault.store.customers import restriction_of
from piplvault.store.engine import Connection
from piplvault.store.retention import customer_status
from piplvault.vault import closure

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

POLICY_FILE = "policy.toml"
OWNER = "owner"
_HASHER = PasswordHasher()  # argon2id, m=64 MiB, t=3, p=4


@dataclass(frozen=True, slots=True, kw_only=True)
class PurposeDef:
    key: str
    name_zh: str
    basis: str
    necessity: str


def load_roles(home: Path) -> dict[str, core.Role]:
    """Built-in roles plus the custom roles of ``HOME/policy.toml``.

    Parsed again whenever the file changes (its size, mtime or inode; a server checks at
    every request), so an edit applies on the next request."""
    path = home / POLICY_FILE
    try:
        info = path.stat()
    except FileNotFoundError:
        return dict(core.BUILTIN_ROLES)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    stamp = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    cached = _ROLES.get(path)
    if cached is not None and cached[0] == stamp:
        return dict(cached[1])
    roles = dict(core.BUILTIN_ROLES)
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            roles.update(core.parse_roles(dict(data.get("roles", {}))))
        except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    _ROLES[path] = (stamp, dict(roles))
    return roles


_ROLES: dict[Path, tuple[tuple[int, int, int, int], dict[str, core.Role]]] = {}


# --- authentication ------------------------------------------------------------------------


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValidationError("A password needs at least 8 characters")
    return _HASHER.hash(password)


def token_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def authenticate(vault: Vault) -> str:
    """The acting user in direct mode (passphrase holder, Python API and maintenance).

    Holding the passphrase is holding every key, so the owner needs nothing more here; any
    other user must still give their own password or token (the CLI refuses staff commands
    in direct mode altogether and sends them to ``piplvault serve``)."""
    s = vault.settings
    name = s.user
    if name == OWNER:
        with vault.read() as conn:
            row = users.load_user(conn, name)
        if row is None or row.disabled_at is not None:
            raise AuthenticationError(f"User '{name}' is unknown or disabled")
        return name
    return check_credentials(
        vault,
        name,
        password=s.password.reveal() if s.password else None,
        token=s.token.reveal() if s.token else None,
    )


def check_credentials(
    vault: Vault, name: str, *, password: str | None, token: str | None
) -> str:
    """``name`` after checking its own password (Argon2id) or API token; no one is exempt."""
    with vault.read() as conn:
        row = users.load_user(conn, name)
    if row is None:
        raise AuthenticationError(f"Unknown user '{name}'")
    if row.disabled_at is not None:
        raise AuthenticationError(f"User '{name}' is disabled")
    if token:
        if _token_ok(vault, name, token):
            return name
        raise AuthenticationError(
            f"The token for user '{name}' is wrong, expired or revoked"
        )
    if not password:
        raise AuthenticationError(
            f"User '{name}' needs a password (PIPLVAULT_PASSWORD) or token (PIPLVAULT_TOKEN)"
        )
    if not row.password_hash:
        raise AuthenticationError(
            f"User '{name}' has no password yet; the owner sets one with "
            f"'piplvault users passwd {name}'"
        )
    try:
        _HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthenticationError(f"Wrong password for user '{name}'") from exc
    return name


def token_actor(
    vault: Vault, token: str, conn: Connection | None = None
) -> tuple[str | None, str | None]:
    """Who a Bearer token belongs to, in one query: ``(user, None)`` when it is valid and
    its user enabled; ``(user, refusal)`` when not (audited by the caller); ``(None,
    refusal)`` for a malformed or unknown token. Checked at every request — a revoked
    token or disabled user fails on the very next one. ``conn``: the request's own read
    snapshot (else one of its own)."""
    token_id = token_owner(token)
    if token_id is None:
        return None, "Malformed API token"
    secret = token.partition("pvt_")[2].partition("_")[2]
    with vault.snapshot() if conn is None else contextlib.nullcontext(conn) as snapshot:
        row = users.token_with_holder(snapshot, token_id)
    if row is None:
        return None, "The token is wrong, expired or revoked"
    name = str(row.user)
    if row.name is None:
        return name, f"Unknown user '{name}'"
    if row.disabled_at is not None:
        return name, f"User '{name}' is disabled"
    if (
        row.revoked_at is not None
        or row.expires_at < vault.now()
        or not hmac.compare_digest(bytes(row.token_hash), token_digest(secret))
    ):
        return name, f"The token for user '{name}' is wrong, expired or revoked"
    return name, None


def token_owner(token: str) -> str | None:
    """The token id inside a ``pvt_<id>_<secret>`` token (None if malformed)."""
    _, _, rest = token.partition("pvt_")
    token_id, _, secret = rest.partition("_")
    return token_id if token_id and secret else None


def _token_ok(vault: Vault, name: str, token: str) -> bool:
    _, _, rest = token.partition("pvt_")
    token_id, _, secret = rest.partition("_")
    with vault.read() as conn:
        row = users.load_token(conn, token_id)
    if row is None or row.user != name or row.revoked_at is not None:
        return False
    if row.expires_at < vault.now():
        return False
    return hmac.compare_digest(bytes(row.token_hash), token_digest(secret))


# --- actors and purposes -------------------------------------------------------------------


def load_actor(vault: Vault, conn: Connection, name: str | None = None) -> core.Actor:
    name = name or vault.actor
    row = users.load_user(conn, name)
    if row is None:
        raise ValidationError(f"Unknown user '{name}'")
    role = vault.roles.get(row.role)
    if role is None:
        raise ConfigError(f"User '{name}' has role '{row.role}', which is not defined")
    return core.Actor(
        name=name,
        role=role,
        active=row.disabled_at is None,
        training_valid_until=_valid_until(conn, name, None),
    )


def _valid_until(conn: Connection, user: str, course: str | None) -> dt.date | None:
    dates = [
        dt.date.fromisoformat(v)
        for v in training.valid_until_dates(
            conn, user, min_score=PASS_MARK, course=course
        )
    ]
    return max(dates, default=None)


PASS_MARK = 60


def resolve_purpose(conn: Connection, name: str) -> PurposeDef:
    """A purpose by key or Chinese name; the error lists the valid ones."""
    rows = purposes.list_purposes(conn)
    for r in rows:
        if name in (r.key, r.name_zh):
            return PurposeDef(
                key=r.key, name_zh=r.name_zh, basis=r.basis, necessity=r.necessity
            )
    valid = ", ".join(f"{r.key} ({r.name_zh})" for r in rows)
    raise ValidationError(f"Unknown purpose '{name}'; valid purposes: {valid}")


def latest_consent(
    conn: Connection, customer_id: int, purpose: str
) -> consents.ConsentRow | None:
    """The customer's most recent consent record for ``purpose`` (or None)."""
    return consents.latest_consent(conn, customer_id, purpose)


def customer_basis(
    conn: Connection, customer_id: int, purpose: PurposeDef
) -> core.Basis | None:
    """The customer's legal basis for ``purpose``: its latest consent record, a basis that
    holds for everyone, or the contract under which the customer was collected."""
    row = latest_consent(conn, customer_id, purpose.key)
    if row is not None:
        withdrawn = (
            dt.date.fromisoformat(row.withdrawn_at[:10]) if row.withdrawn_at else None
        )
        return core.Basis(
            basis=row.basis,
            withdrawn_on=withdrawn,
            separate=frozenset(filter(None, row.separate.split(","))),
            guardian=bool(row.guardian),
        )
    if purpose.basis in core.GLOBAL_BASES:
        return core.Basis(basis=purpose.basis)
    if purpose.basis in ("contract", "hr") and _collected_under(
        conn, customer_id, purpose
    ):
        return core.Basis(basis=purpose.basis)
    return None


def _collected_under(conn: Connection, customer_id: int, purpose: PurposeDef) -> bool:
    """Collected for this purpose, or (first-hand) for another of the same basis.

    Customers inherited through a transfer keep only the purposes they arrived with
    (PIPL Art. 22, R-22-3): a new purpose needs a new consent."""
    return purposes.is_held_for_or_first_hand(
        conn,
        customer_id,
        purpose=purpose.key,
        basis=purpose.basis,
        not_source="inherited:%",
    )


# --- the choke point -----------------------------------------------------------------------


def field_access(defs: Iterable[FieldDef]) -> tuple[core.FieldAccess, ...]:
    return tuple(
        core.FieldAccess(
            key=d.key,
            grade=d.grade,
            category=d.category,
            sensitive=d.sensitivity == "sensitive",
        )
        for d in defs
    )


def decide(
    vault: Vault,
    conn: Connection,
    *,
    action: str,
    purpose: PurposeDef | None = None,
    customer_id: int | None = None,
    fields: Iterable[FieldDef] = (),
    birth_date: dt.date | None = None,
    actor: core.Actor | None = None,
) -> core.Decision:
    """The policy decision for one request (pure core decision over stored facts)."""
    actor = actor or load_actor(vault, conn)
    today = vault.clock.now().date()
    if customer_id is not None and action in core.DATA_ACTIONS:
        held = _restriction(vault, conn, customer_id, purpose)
        if held is not None:
            return held
    basis = None
    if customer_id is not None and purpose is not None and action in core.DATA_ACTIONS:
        basis = customer_basis(conn, customer_id, purpose)
    course = actor.role.required_course
    request = core.Request(
        actor=actor,
        action=action,
        purpose=purpose.key if purpose else None,
        purpose_basis=purpose.basis if purpose else None,
        customer_id=customer_id,
        fields=field_access(fields),
        basis=basis,
        minor=core.is_minor(birth_date, today),
        today=today,
        course_valid_until=_valid_until(conn, actor.name, course) if course else None,
    )
    return core.decide(request)


def _restriction(
    vault: Vault, conn: Connection, customer_id: int, purpose: PurposeDef | None
) -> core.Decision | None:
    """R-47-2: a customer kept only because a statute says so may be read only for the
    purposes its retention rules name (default: finance); everything else is refused."""
    from piplvault.vault.retention import load_schedule

    if customer_status(conn, customer_id) != "restricted":
        return None
    row = restriction_of(conn, customer_id)
    rule_keys = [k for k in (row[0] if row else "").split(",") if k]
    schedule = load_schedule(vault)
    readers = sorted({r for k in rule_keys for r in schedule.rule(k).readers}) or [
        "finance"
    ]
    if purpose is not None and purpose.key in readers:
        return None
    until = row[1] if row else None
    return core.Decision(
        allowed=False,
        reason="retained-restricted",
        message=f"Customer {customer_id} is retained only to meet a legal period "
        f"({', '.join(rule_keys) or 'statutory'}, until {until}); only purposes "
        f"{', '.join(readers)} may read it (PIPL Art. 47)",
    )


def authorize(
    vault: Vault,
    conn: Connection,
    *,
    action: str,
    purpose: PurposeDef | None = None,
    customer_id: int | None = None,
    fields: Iterable[FieldDef] = (),
    birth_date: dt.date | None = None,
    state_gate: bool = True,
    actor: core.Actor | None = None,
) -> None:
    """Raise PermissionDeniedError unless the acting user may do this.

    ``state_gate=False`` for reads: a sealed or winding-down vault still answers them.
    ``actor``: the acting user as already loaded in this transaction (else loaded here)."""
    decision = decide(
        vault,
        conn,
        action=action,
        purpose=purpose,
        customer_id=customer_id,
        fields=fields,
        birth_date=birth_date,
        actor=actor,
    )
    if not decision.allowed:
        error = PermissionDeniedError(
            f"Refused: {decision.message}", reason=decision.reason
        )
        error.audit = {  # type: ignore[attr-defined]
            "action": action,
            "target": f"customer:{customer_id}" if customer_id is not None else action,
            "purpose": purpose.key if purpose else "",
            "fields": sorted(d.key for d in fields),
        }
        raise error
    # A sealed vault is read-only; a winding-down one collects nothing new (R-CO-I2-18-1,
    # R-GB35273-6.4-1). Checked here so that every use case passes the same gate.
    if state_gate:
        closure.ensure_open(conn, action)


def visible_fields(
    role: core.Role, defs: dict[str, FieldDef], keys: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Split field keys into those the role may see and those withheld (grade/category)."""
    shown, withheld = [], []
    for key in keys:
        d = defs.get(key)
        if (
            d is not None
            and d.grade <= role.max_grade
            and d.category in role.categories
        ):
            shown.append(key)
        else:
            withheld.append(key)
    return shown, withheld


def explain(decision: core.Decision) -> dict[str, Any]:
    return {
        "allowed": decision.allowed,
        "reason": decision.reason,
        "message": decision.message,
    }
