"""Access policy: roles, actions, and the pure decision function.

A request is allowed only when every condition holds (deny by default):

1. the actor is active and its role grants the action;
2. for field access: the role covers the field's grade and data category;
3. the declared purpose is one the role may use;
4. for actions on a customer's personal data: the customer has a legal basis for the purpose
   (consent not withdrawn, or a contract / legal-obligation basis), separate consent for
   sensitive fields where the basis is consent, guardian consent under 14;
5. for plaintext access (reveal, export): the actor's required training is current.

:func:`decide` returns a :class:`Decision` naming the first missing piece; it does no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Every action the vault checks, as data (kebab-case, as audit events are).
ACTIONS: tuple[str, ...] = (
    "read-masked",
    "reveal",
    "update",
    "import",
    "export",
    "delete",
    "retention-apply",
    "legal-hold",
    "backup",
    "restore",
    "manage-keys",
    "manage-users",
    "manage-policy",
    "manage-consents",
    "audit-read",
    "report",
    "transfer",
    "deregister",
    "rights-intake",
    "rights-fulfil",
    "incident",
    "share",
)

#: Actions that expose plaintext personal information.
PLAINTEXT_ACTIONS = frozenset({"reveal", "export"})
#: Actions that touch customers' personal data: each passes the purpose, grade and category
#: checks, and needs a legal basis when it names one customer. ``import`` is one of them: it
#: writes fields and adds a purpose (issue 10, attack 5).
DATA_ACTIONS = frozenset({"read-masked", "reveal", "update", "export", "import"})

ALL_CATEGORIES = frozenset(
    {
        "identity",
        "contact",
        "financial",
        "address",
        "organisation",
        "transaction",
        "network",
        "free_text",
        "business",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    """What a role may do: actions, purposes, highest grade, data categories."""

    name: str
    label_zh: str
    actions: frozenset[str]
    purposes: frozenset[str]
    max_grade: int
    categories: frozenset[str] = ALL_CATEGORIES
    requires_training: bool = True
    required_course: str | None = None


_ALL_PURPOSES = frozenset({"*"})

BUILTIN_ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        Role(
            name="admin",
            label_zh="管理员",
            actions=frozenset(ACTIONS),
            purposes=_ALL_PURPOSES,
            max_grade=4,
            requires_training=False,
        ),
        Role(
            name="compliance_officer",
            label_zh="个人信息保护负责人",
            actions=frozenset(ACTIONS) - {"manage-keys"},
            purposes=_ALL_PURPOSES,
            max_grade=4,
        ),
        Role(
            name="sales",
            label_zh="销售",
            actions=frozenset({"read-masked", "reveal", "update", "import"}),
            purposes=frozenset({"contract", "marketing"}),
            max_grade=3,
            categories=frozenset(
                {
                    "identity",
                    "contact",
                    "address",
                    "organisation",
                    "transaction",
                    "business",
                    "free_text",
                }
            ),
        ),
        Role(
            name="after_sales",
            label_zh="售后",
            # customer service takes rights requests in; the officer fulfils or refuses
            actions=frozenset({"read-masked", "reveal", "update", "rights-intake"}),
            purposes=frozenset({"after-sales", "contract"}),
            max_grade=3,
            categories=frozenset(
                {
                    "identity",
                    "contact",
                    "address",
                    "organisation",
                    "transaction",
                    "business",
                    "free_text",
                }
            ),
        ),
        Role(
            name="finance",
            label_zh="财务",
            actions=frozenset({"read-masked", "reveal", "update", "export"}),
            purposes=frozenset({"finance", "legal-obligation", "contract"}),
            max_grade=4,
            categories=frozenset(
                {
                    "identity",
                    "contact",
                    "financial",
                    "organisation",
                    "transaction",
                    "business",
                    "address",
                }
            ),
        ),
        Role(
            name="auditor",
            label_zh="审计",
            actions=frozenset({"audit-read", "report"}),
            purposes=_ALL_PURPOSES,
            max_grade=0,
            requires_training=False,
        ),
    )
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Who is asking: a user name, its role, whether active, training valid until."""

    name: str
    role: Role
    active: bool = True
    training_valid_until: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldAccess:
    key: str
    grade: int
    category: str
    sensitive: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Basis:
    """A customer's legal basis for one purpose, as the policy needs it."""

    basis: str  # consent | contract | legal-obligation | …
    withdrawn_on: dt.date | None = None
    separate: frozenset[str] = (
        frozenset()
    )  # sensitive | third-party | public | cross-border
    guardian: bool = False  # consent given by a guardian (customers under 14)


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    actor: Actor
    action: str
    course_valid_until: dt.date | None = None
    purpose: str | None = None
    purpose_basis: str | None = None  # the purpose's catalogue basis
    customer_id: int | None = None
    fields: tuple[FieldAccess, ...] = ()
    basis: Basis | None = None  # the customer's basis for the purpose, if any
    minor: bool = False  # the customer is under 14 (from the ID number's birth date)
    today: dt.date = field(default_factory=lambda: dt.date(1970, 1, 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    allowed: bool
    reason: str  # stable code: "allowed", "role-lacks-action", …
    message: str


def decide(req: Request) -> Decision:
    """The policy decision for ``req``: the first failed condition, or allowed."""
    for check in (_actor, _action, _purpose, _fields, _basis, _training):
        failed = check(req)
        if failed is not None:
            return failed
    return Decision(allowed=True, reason="allowed", message="allowed")


def _deny(reason: str, message: str) -> Decision:
    return Decision(allowed=False, reason=reason, message=message)


def _actor(req: Request) -> Decision | None:
    if not req.actor.active:
        return _deny("user-disabled", f"User '{req.actor.name}' is disabled")
    return None


def _action(req: Request) -> Decision | None:
    if req.action not in req.actor.role.actions:
        return _deny(
            "role-lacks-action", f"Role '{req.actor.role.name}' may not '{req.action}'"
        )
    return None


def _purpose(req: Request) -> Decision | None:
    if req.action not in DATA_ACTIONS:
        return None
    if not req.purpose:
        return _deny("purpose-missing", f"'{req.action}' needs a declared purpose")
    allowed = req.actor.role.purposes
    if "*" not in allowed and req.purpose not in allowed:
        return _deny(
            "purpose-not-allowed",
            f"Role '{req.actor.role.name}' may not use purpose '{req.purpose}'",
        )
    return None


def _fields(req: Request) -> Decision | None:
    if req.action not in DATA_ACTIONS:
        return None
    role = req.actor.role
    for f in req.fields:
        if f.grade > role.max_grade:
            return _deny(
                "role-lacks-grade",
                f"Role '{role.name}' may not access grade-{f.grade} field "
                f"'{f.key}' (its limit is grade {role.max_grade})",
            )
        if f.category not in role.categories:
            return _deny(
                "role-lacks-category",
                f"Role '{role.name}' may not access {f.category} field '{f.key}'",
            )
    return None


def _basis(req: Request) -> Decision | None:
    if req.action not in DATA_ACTIONS or req.customer_id is None:
        return None
    who = f"customer {req.customer_id}"
    basis = req.basis
    if basis is None:
        return _deny(
            "no-legal-basis",
            f"No legal basis for purpose '{req.purpose}' for {who} "
            "(record a consent, or import the customer under a contract purpose)",
        )
    if basis.withdrawn_on is not None:
        return _deny(
            "consent-withdrawn",
            f"{who} withdrew consent for purpose '{req.purpose}' on "
            f"{basis.withdrawn_on.isoformat()}",
        )
    if basis.basis == "consent":
        if req.minor and not basis.guardian:
            return _deny(
                "guardian-consent-missing",
                f"{who} is under 14: guardian consent is required (PIPL Art. 31)",
            )
        sensitive = [f.key for f in req.fields if f.sensitive]
        if sensitive and "sensitive" not in basis.separate:
            return _deny(
                "separate-consent-missing",
                f"Separate consent for sensitive information is missing for {who} "
                f"(fields: {', '.join(sensitive)}; PIPL Art. 29)",
            )
    return None


def _training(req: Request) -> Decision | None:
    if req.action not in PLAINTEXT_ACTIONS or not req.actor.role.requires_training:
        return None
    until = req.actor.training_valid_until
    if req.actor.role.required_course is not None:
        until = req.course_valid_until
    if until is None:
        return _deny(
            "training-missing",
            f"User '{req.actor.name}' has no current data-protection training "
            "(PIPL Art. 51)",
        )
    if until < req.today:
        return _deny(
            "training-lapsed",
            f"User '{req.actor.name}''s data-protection training lapsed on "
            f"{until.isoformat()} (PIPL Art. 51)",
        )
    return None


#: Legal bases that hold for every customer without a per-customer record (PIPL Art. 13).
GLOBAL_BASES = frozenset({"legal-obligation", "emergency", "public-interest"})


def birth_date_from_id(id_number: str) -> dt.date | None:
    """Birth date encoded in an 18- or 15-digit resident ID number, if plausible."""
    digits = id_number.strip().upper()
    try:
        if len(digits) == 18:
            return dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
        if len(digits) == 15:
            return dt.date(
                1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
            )
    except ValueError:
        return None
    return None


def is_minor(birth: dt.date | None, today: dt.date) -> bool:
    """Under 14 on ``today`` (PIPL Art. 31)."""
    if birth is None:
        return False
    fourteenth = dt.date(
        birth.year + 14,
        birth.month,
        28 if (birth.month, birth.day) == (2, 29) else birth.day,
    )
    return today < fourteenth


def parse_roles(data: dict[str, object]) -> dict[str, Role]:
    """Custom roles from a policy file's ``[roles.NAME]`` tables; errors name the key."""
    roles: dict[str, Role] = {}
    for name, spec in data.items():
        if not isinstance(spec, dict):
            raise ValueError(f"roles.{name} must be a table")
        if name in BUILTIN_ROLES:
            raise ValueError(f"roles.{name}: cannot redefine a built-in role")
        actions = frozenset(str(a) for a in spec.get("actions", []))
        unknown = sorted(actions - set(ACTIONS))
        if unknown:
            raise ValueError(
                f"roles.{name}.actions: unknown {', '.join(unknown)}; valid: "
                f"{', '.join(ACTIONS)}"
            )
        categories = frozenset(str(c) for c in spec.get("categories", ALL_CATEGORIES))
        bad = sorted(categories - ALL_CATEGORIES)
        if bad:
            raise ValueError(
                f"roles.{name}.categories: unknown {', '.join(bad)}; valid: "
                f"{', '.join(sorted(ALL_CATEGORIES))}"
            )
        grade = spec.get("max_grade", 2)
        if not isinstance(grade, int) or not 0 <= grade <= 4:
            raise ValueError(f"roles.{name}.max_grade must be a whole number 0-4")
        course = spec.get("required_course")
        roles[name] = Role(
            name=name,
            label_zh=str(spec.get("label", name)),
            actions=actions,
            purposes=frozenset(str(p) for p in spec.get("purposes", [])),
            max_grade=grade,
            categories=categories,
            requires_training=bool(spec.get("requires_training", True)),
            required_course=str(course) if course else None,
        )
    return roles
