"""Customer use cases: list, show (masked or revealed), find by blind index, update a field."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from piplvault import discovery
from piplvault.audit.note import AuditNote
from piplvault.core.customers import FIND_KINDS, CustomerView
from piplvault.core.policy import birth_date_from_id
from piplvault.errors import NotFoundError, ValidationError
from piplvault.store import blind_index
from piplvault.store import customers as stored
from piplvault.store.audit_head import read_audit_head
from piplvault.store.engine import Connection
from piplvault.store.records import field_names, unpack
from piplvault.store.vault_keys import latest_versions
from piplvault.vault import policy
from piplvault.vault.records import (
    build_view,
    check_index_rows,
    cipher_for,
    decrypt_all,
    fetch_row,
    load_field_defs,
    load_plain,
    put_version,
    reindex,
    seal_record,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


DEFAULT_READ_PURPOSE = "data-management"


@dataclass(slots=True)
class CustomerList:
    """Customers shown to the actor, and how many were withheld by policy."""

    customers: list[CustomerView]
    withheld: int
    #: matches beyond a search's ``limit``: neither read nor shown
    more: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "customers": [c.to_dict() for c in self.customers],
            "withheld": self.withheld,
        }


def list_customers(
    vault: Vault, *, limit: int = 50, offset: int = 0, purpose: str | None = None
) -> CustomerList:
    """Customers in id order, masked; those the actor may not read are withheld."""
    if not (1 <= limit <= 100_000 and 0 <= offset < 2**63):
        raise ValidationError(
            "The page size must be 1..100000 and the offset 0 or more", field="limit"
        )
    with vault.write() as conn:
        vault.require_action(conn, "read-masked")
        ids = stored.customer_ids(conn, limit=limit, offset=offset)
        result = _readable(vault, conn, ids, purpose or DEFAULT_READ_PURPOSE)
        vault.record(
            conn,
            action="customers-listed",
            target="customers",
            purpose=purpose or DEFAULT_READ_PURPOSE,
            details={
                "customer_ids": [c.id for c in result.customers],
                "withheld": result.withheld,
                "masked": True,
            },
        )
    return result


def _readable(
    vault: Vault, conn: Connection, ids: list[int], purpose_name: str
) -> CustomerList:
    purpose = policy.resolve_purpose(conn, purpose_name)
    actor = policy.load_actor(vault, conn)
    defs = load_field_defs(conn)
    shown, withheld = [], 0
    for customer_id in ids:
        facts, plain = load_plain(conn, vault.keyring, customer_id)
        keys, _ = policy.visible_fields(actor.role, defs, plain)
        decision = policy.decide(
            vault,
            conn,
            action="read-masked",
            purpose=purpose,
            customer_id=customer_id,
            fields=[defs[k] for k in keys],
            birth_date=_birth_date(plain),
            actor=actor,
        )
        if decision.allowed:
            shown.append(
                build_view(customer_id, facts, plain, defs, reveal=False, only=keys)
            )
        else:
            withheld += 1
    return CustomerList(customers=shown, withheld=withheld)


def _birth_date(plain: dict[str, tuple[str, int]]) -> dt.date | None:
    value = plain.get("id_number")
    return birth_date_from_id(value[0]) if value else None


def show_customer(
    vault: Vault,
    customer_id: int,
    *,
    reveal: bool = False,
    purpose: str | None = None,
    only: list[str] | None = None,
) -> CustomerView:
    """One customer, masked by default; ``reveal`` needs the reveal action and a purpose.

    Fields beyond the actor's grade or categories are left out; asking for one of them
    by name (``only``) is refused naming the field.
    """
    # read on a snapshot; answered once its audit entry is durable (issue 11)
    return vault.audited_read(
        customer_reader(vault, customer_id, reveal=reveal, purpose=purpose, only=only)
    )


def customer_reader(
    vault: Vault,
    customer_id: int,
    *,
    reveal: bool = False,
    purpose: str | None = None,
    only: list[str] | None = None,
) -> Callable[[Connection], tuple[CustomerView, AuditNote]]:
    """The read of :func:`show_customer`, for ``Vault.audited_read`` (or the server's
    asynchronous ``audited_read_async``): the view and its audit entry."""
    if reveal and not purpose:
        raise ValidationError(
            "Revealing plaintext needs a declared purpose", field="purpose"
        )
    action = "reveal" if reveal else "read-masked"

    def read(conn: Connection) -> tuple[CustomerView, AuditNote]:
        resolved = policy.resolve_purpose(conn, purpose or DEFAULT_READ_PURPOSE)
        defs = load_field_defs(conn)
        facts, plain = load_plain(conn, vault.keyring, customer_id)
        actor = policy.load_actor(vault, conn)
        if only is None:
            keys, withheld = policy.visible_fields(actor.role, defs, plain)
        else:
            unknown = [k for k in only if k not in plain]
            if unknown:
                raise NotFoundError(
                    f"Customer {customer_id} has no field "
                    f"'{unknown[0]}'; fields: {', '.join(plain)}"
                )
            keys, withheld = only, []
        policy.authorize(
            vault,
            conn,
            action=action,
            purpose=resolved,
            customer_id=customer_id,
            fields=[defs[k] for k in keys],
            birth_date=_birth_date(plain),
            actor=actor,  # loaded above, in this same transaction
        )
        view = build_view(customer_id, facts, plain, defs, reveal=reveal, only=keys)
        return view, AuditNote(
            action="pii-revealed" if reveal else "customer-read",
            target=f"customer:{customer_id}",
            purpose=resolved.key,
            details={
                "fields": sorted(view.fields),
                "withheld": sorted(withheld),
                "masked": not reveal,
            },
        )

    return read


def find_customers(
    vault: Vault,
    by: str,
    value: str,
    *,
    purpose: str | None = None,
    limit: int | None = None,
) -> CustomerList:
    """Exact lookup through the blind index (no decryption of non-matching customers);
    with ``limit``, only the first ``limit`` matches (by id) are read, the rest counted
    in ``more`` (a common name matches hundreds of customers in a large vault)."""
    if by not in FIND_KINDS:
        raise ValidationError(
            f"Cannot find by '{by}'; use one of {', '.join(FIND_KINDS)}"
        )
    kind, entity = FIND_KINDS[by]
    entities = ("CN_MOBILE", "CN_LANDLINE") if kind == "phone" else (entity,)
    value = discovery.clean_cell(value)
    tags = {
        vault.keyring.blind_tag(kind, discovery.normalise(e, value)) for e in entities
    }
    with vault.write() as conn:
        vault.require_action(conn, "read-masked")
        hits = blind_index.find_tags(conn, kind, tags)
        check_index_rows(vault.keyring.sealing, hits)  # a re-pointed tag is refused
        ids = sorted({customer_id for _kind, _tag, customer_id, _mac in hits})
        more = max(0, len(ids) - limit) if limit is not None else 0
        result = _readable(
            vault, conn, ids[: len(ids) - more], purpose or DEFAULT_READ_PURPOSE
        )
        result.more = more
        vault.record(
            conn,
            action="customers-searched",
            target="customers",
            purpose=purpose or DEFAULT_READ_PURPOSE,
            details={
                "by": by,
                "matches": [c.id for c in result.customers],
                "withheld": result.withheld,
            },
        )
    return result


def update_field(
    vault: Vault, customer_id: int, field: str, value: str, *, purpose: str
) -> dict[str, Any]:
    """Set one field to a new version; the old version is kept encrypted in history."""
    with vault.write() as conn:
        resolved = policy.resolve_purpose(conn, purpose)
        defs = load_field_defs(conn)
        if field not in defs:
            raise NotFoundError(
                f"Unknown field '{field}'; fields: {', '.join(sorted(defs))}"
            )
        definition = defs[field]
        _kind, _status, _c, _u, data, _flags = fetch_row(
            conn, vault.keyring.sealing, customer_id
        )
        cipher = cipher_for(conn, vault.keyring, customer_id)
        sealed = unpack(data, customer_id=customer_id)
        plain = decrypt_all(cipher, sealed)
        policy.authorize(
            vault,
            conn,
            action="update",
            purpose=resolved,
            customer_id=customer_id,
            fields=[definition],
            birth_date=_birth_date(plain),
        )
        clean = (
            discovery.clean_cell(value) if definition.kind == "pii" else value.strip()
        )
        if (
            definition.kind == "pii"
            and definition.entity
            and not discovery.validate_cell(definition.entity, clean)
        ):
            raise ValidationError(
                f"The new value for field '{field}' is not a valid {definition.entity}; "
                "nothing was changed",
                field=field,
            )
        now = vault.now()
        version = put_version(
            conn,
            cipher,
            sealed,
            customer_id=customer_id,
            field=field,
            value=clean,
            now=now,
        )
        # A valid new value clears the field's flag (issue 12.3: the review queue).
        flags = set(filter(None, _flags.split(","))) - {field}
        stored.save_record(
            conn,
            customer_id,
            **seal_record(vault.keyring.sealing, customer_id, sealed),
            updated_at=now,
            flags=",".join(sorted(flags)),
        )
        plain[field] = (clean, version)
        values = {k: v for k, (v, _) in plain.items() if k in defs and k not in flags}
        reindex(conn, vault.keyring.sealing, customer_id, defs, values)
        vault.record(
            conn,
            action="customer-field-updated",
            target=f"customer:{customer_id}",
            purpose=resolved.key,
            details={"field": field, "version": version},
        )
    return {"id": customer_id, "field": field, "version": version}


def status(vault: Vault) -> dict[str, Any]:
    """Counts by customer kind, sensitivity and category; key versions; audit head."""
    with vault.read() as conn:
        by_kind = stored.count_by_kind(conn)
        defs = load_field_defs(conn)
        values_by_field: Counter[str] = Counter()
        for data in stored.record_data(conn):
            values_by_field.update(field_names(data))
        keys = latest_versions(conn)
        head_seq, head_hash = read_audit_head(conn)
        dek_count = stored.count_customer_keys(conn)
    by_sensitivity: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for name, count in values_by_field.items():
        d = defs.get(name)
        if d is None:
            continue
        by_sensitivity[d.sensitivity or "none"] += count
        by_category[d.category] += count
    return {
        "customers": sum(by_kind.values()),
        "by_kind": by_kind,
        "field_values_by_sensitivity": dict(by_sensitivity),
        "field_values_by_category": dict(by_category),
        "fields": [
            {
                "key": d.key,
                "label": d.label,
                "entity": d.entity,
                "kind": d.kind,
                "sensitivity": d.sensitivity,
                "grade": d.grade,
                "category": d.category,
                "values": values_by_field.get(d.key, 0),
            }
            for d in defs.values()
        ],
        "data_keys": dek_count,
        "key_versions": keys,
        "audit_head": {"seq": head_seq, "hash": head_hash},
        "state": vault.meta_value("state"),
    }
