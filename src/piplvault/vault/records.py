"""Load, decrypt, mask and index customer records (shared by the customer use cases)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from functools import lru_cache

from piplvault import discovery
from piplvault.core.customers import BLIND_INDEXED, CustomerView, FieldDef, FieldView
from piplvault.core.masking import mask
from piplvault.crypto.keyring import FieldCipher, Keyring, SealingKeys
from piplvault.discovery.cells import MULTI_VALUED
from piplvault.discovery.columns import FAMILIES
from piplvault.errors import NotFoundError, RecordIntegrityError
from piplvault.store import blind_index, fields
from piplvault.store import customers as stored
from piplvault.store.engine import Connection
from piplvault.store.records import SealedField, pack, unpack

#: Index kinds that identify a customer on import (see core.customers.MATCH_ORDER).
_IDENTIFYING = frozenset({"id_number", "uscc", "bank_card", "phone", "email"})


def load_field_defs(conn: Connection) -> dict[str, FieldDef]:
    return fields.load_field_defs(conn)


def save_field_defs(
    conn: Connection, known: dict[str, FieldDef], new: Iterable[FieldDef], at: str
) -> None:
    fresh = [d for d in new if d.key not in known]
    if fresh:
        fields.insert_field_defs(conn, fresh, at=at)
        known.update({d.key: d for d in fresh})


def cipher_for(conn: Connection, keyring: Keyring, customer_id: int) -> FieldCipher:
    row = stored.load_customer_key(conn, customer_id)
    if row is None:
        raise NotFoundError(f"Customer {customer_id} has no data key (it was shredded)")
    dek = keyring.unwrap_dek(customer_id, row.wrapped, row.kek_version)
    return FieldCipher(customer_id, dek, row.dek_version)


def customer_exists(conn: Connection, customer_id: int) -> bool:
    return stored.has_customer(conn, customer_id)


def require_customer(conn: Connection, customer_id: int) -> None:
    """Raise NotFoundError unless the customer exists."""
    if not customer_exists(conn, customer_id):
        raise NotFoundError(f"No customer with id {customer_id}")


def fetch_row(
    conn: Connection, keys: SealingKeys, customer_id: int
) -> tuple[str, str, str, str, bytes, str]:
    """The customer's row, its record MAC checked (RecordIntegrityError if edited)."""
    row = stored.load_customer(conn, customer_id)
    if row is None:
        raise NotFoundError(f"No customer with id {customer_id}")
    data = row.data
    check_record(keys, customer_id, data, row.mac)
    return (row.kind, row.status, row.created_at, row.updated_at, data, row.flags)


def check_record(
    keys: SealingKeys, customer_id: int, data: bytes, mac: bytes | None
) -> None:
    """Raise RecordIntegrityError unless ``mac`` is the record MAC of ``data``."""
    if mac is None or not hmac.compare_digest(
        bytes(mac), keys.record_mac(customer_id, data)
    ):
        raise RecordIntegrityError(
            f"Customer {customer_id}: the stored record fails its integrity check (it "
            "was changed in the database: a field removed, an old version or another "
            "record copied in); nothing was shown — restore it from a backup",
            customer_id=customer_id,
            what="record",
        )


def seal_record(
    keys: SealingKeys, customer_id: int, sealed: dict[str, SealedField]
) -> dict[str, bytes]:
    """Column values ``data`` and ``mac`` for a customer's sealed fields."""
    data = pack(sealed)
    return {"data": data, "mac": keys.record_mac(customer_id, data)}


def check_index_rows(
    keys: SealingKeys, rows: Iterable[tuple[str, bytes, int, bytes | None]]
) -> None:
    """Raise RecordIntegrityError for a blind-index row (kind, tag, customer, mac) whose
    MAC fails: a tag pointed at another customer, or a row forged."""
    for kind, tag, customer_id, mac in rows:
        good = keys.index_mac(kind, bytes(tag), int(customer_id))
        if mac is None or not hmac.compare_digest(bytes(mac), good):
            raise RecordIntegrityError(
                f"A search-index row for customer {customer_id} fails its integrity "
                "check (it was changed in the database); rebuild the index from a backup",
                customer_id=int(customer_id),
                what="blind-index",
            )


def decrypt_all(
    cipher: FieldCipher, sealed: dict[str, SealedField]
) -> dict[str, tuple[str, int]]:
    return {
        name: (cipher.decrypt(name, s.version, s.blob), s.version)
        for name, s in sealed.items()
    }


def load_plain(
    conn: Connection, keyring: Keyring, customer_id: int
) -> tuple[tuple[str, str, str, str, str], dict[str, tuple[str, int]]]:
    """A customer's row facts (kind, status, created, updated, flags) and every field
    decrypted as ``{field: (value, version)}`` — in memory only."""
    kind, status, created, updated, data, flags = fetch_row(
        conn, keyring.sealing, customer_id
    )
    cipher = cipher_for(conn, keyring, customer_id)
    plain = decrypt_all(cipher, unpack(data, customer_id=customer_id))
    return (kind, status, created, updated, flags), plain


def build_view(
    customer_id: int,
    facts: tuple[str, str, str, str, str],
    plain: dict[str, tuple[str, int]],
    defs: dict[str, FieldDef],
    *,
    reveal: bool,
    only: Iterable[str] | None = None,
) -> CustomerView:
    """The customer view: chosen fields, masked unless ``reveal``."""
    kind, status, created, updated, flags = facts
    flagged = set(flags.split(",")) if flags else set()
    keys = list(plain) if only is None else [k for k in only if k in plain]
    views = {}
    for name in keys:
        value, version = plain[name]
        definition = defs.get(name) or FieldDef.for_entity(name, name, None, "non_pii")
        shown = value if reveal else mask_field(definition, value)
        views[name] = FieldView(
            definition=definition,
            value=shown,
            version=version,
            masked=not reveal and shown != value,
            flagged=name in flagged,
        )
    return CustomerView(
        id=customer_id,
        kind=kind,
        status=status,
        created_at=created,
        updated_at=updated,
        fields=views,
    )


def put_version(
    conn: Connection,
    cipher: FieldCipher,
    sealed: dict[str, SealedField],
    *,
    customer_id: int,
    field: str,
    value: str,
    now: str,
) -> int:
    """Seal ``value`` as ``field``'s next version in ``sealed``; the superseded ciphertext
    moves to the field history (still under the customer's key). Returns the version."""
    old = sealed.get(field)
    version = 1 if old is None else old.version + 1
    if old is not None:
        stored.insert_superseded(
            conn,
            customer_id=customer_id,
            field=field,
            version=old.version,
            ciphertext=old.blob,
            at=now,
        )
    sealed[field] = SealedField(version, cipher.encrypt(field, version, value))
    return version


def reindex(
    conn: Connection,
    keys: SealingKeys,
    customer_id: int,
    defs: dict[str, FieldDef],
    values: dict[str, str],
) -> None:
    """Replace the customer's blind-index rows with those of ``values``; a value of a
    mixed field (people and companies, mobiles and landlines) is labelled per cell."""
    cells = {
        k: discovery.label_cell(defs[k].entity, v)
        for k, v in values.items()
        if defs[k].entity in _FAMILY_MEMBERS
    }
    rows = index_entries(keys, customer_id, defs, values, cells)
    blind_index.replace_for_customer(conn, customer_id, rows)


_FAMILY_MEMBERS = frozenset(e for family in FAMILIES for e in family)


def mask_field(definition: FieldDef, value: str) -> str:
    """Mask a value by its field's entity; free text has each found entity masked.

    Whatever the field's classification, what is shown is then checked again: a value
    any recognizer accepts, or any span one finds, is masked too (fail closed: a
    business column holding a phone number never prints it)."""
    if definition.kind == "free_text":
        shown = mask_free_text(value)
    elif definition.kind == "pii":
        entity = definition.entity
        if entity in _FAMILY_MEMBERS:
            entity = discovery.label_cell(entity, value) or entity
        shown = _mask_values(entity, value)
    else:
        shown = value
    return _nothing_personal_left(shown)


def _mask_values(entity: str | None, value: str) -> str:
    """Each value of a multi-valued cell masked by itself (138****5678；139****5678)."""
    parts = discovery.cell_values(entity, value) if entity in MULTI_VALUED else []
    if len(parts) < 2:
        return mask(entity, value)
    return "；".join(mask(entity, p) for p in parts)


#: A shown value of digits and mask stars only, never more than four digits in a row (a
#: masked mobile 138****5678, ID number 420***********6170 or card): no recognizer
#: accepts it or finds a span in it (property-tested in tests/discovery/
#: test_properties.py), so it is shown as it is without the checks below.
_MASKED_DIGITS = re.compile(r"[0-9]{0,4}(?:\*+[0-9]{0,4})+")


def _nothing_personal_left(shown: str) -> str:
    if _MASKED_DIGITS.fullmatch(shown):
        return shown
    return _checked(shown)


#: Shown values repeat (a masked name 张*, a masked district 杭州市西湖区******): the
#: check of each is remembered, as ``discovery.spans`` remembers the spans of a text.
#: What is kept is what a reader is shown (masked, for a personal field), in memory only.
@lru_cache(maxsize=16384)
def _checked(shown: str) -> str:
    """``shown``, with anything a recognizer accepts or finds in it masked."""
    entity = discovery.label_cell(None, shown)
    if entity is not None:
        return mask(entity, shown)
    return mask_free_text(shown)


def mask_free_text(text: str) -> str:
    """``text`` with every entity span any recognizer finds masked."""
    if not text:
        return text
    out, pos = [], 0
    for span in sorted(discovery.find_spans(text), key=lambda s: s.start):
        if span.start < pos:
            continue
        out.append(text[pos : span.start])
        out.append(mask(span.entity, text[span.start : span.end]))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def index_entries(
    keys: SealingKeys,
    customer_id: int,
    defs: dict[str, FieldDef],
    values: dict[str, str],
    cell_entities: dict[str, str | None] | None = None,
) -> list[dict[str, object]]:
    """Blind-index rows for a customer's values (deduplicated); a customer with no
    identifier at all also gets a ``record`` fingerprint over all its personal values, so
    re-importing the same row matches it."""
    seen: set[tuple[str, bytes]] = set()
    rows: list[dict[str, object]] = []
    personal: list[str] = []
    for name, value in values.items():
        definition = defs[name]
        entity = (cell_entities or {}).get(name) or definition.entity
        if definition.kind == "pii" and value:
            personal.append(f"{name}\x1f{value}")
        kind = BLIND_INDEXED.get(entity or "")
        if kind is None or not value:
            continue
        # each value of a multi-valued cell (138…；139…) is indexed (issue 12.4)
        for part in discovery.cell_values(entity, value):
            tag = keys.blind_tag(kind, normalise_for_index(entity or "", part))
            if (kind, tag) not in seen:
                seen.add((kind, tag))
                rows.append(_index_row(keys, kind, tag, customer_id))
    identified = any(r["kind"] in _IDENTIFYING for r in rows)
    if personal and not identified:
        tag = keys.blind_tag("record", "\x1e".join(sorted(personal)))
        rows.append(_index_row(keys, "record", tag, customer_id))
    return rows


def _index_row(
    keys: SealingKeys, kind: str, tag: bytes, customer_id: int
) -> dict[str, object]:
    mac = keys.index_mac(kind, tag, customer_id)
    return {"kind": kind, "tag": tag, "customer_id": customer_id, "mac": mac}


def normalise_for_index(entity: str, value: str) -> str:
    return discovery.normalise(entity, value)
