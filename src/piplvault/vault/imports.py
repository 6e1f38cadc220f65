"""Import a customer table: classify columns, validate, match by blind index, encrypt, store.

The whole import is one database transaction: interrupted at any point (Ctrl-C, kill -9,
disk full) the vault is left exactly as before. Rows are matched to existing customers by
blind index (ID number / USCC, then phone, then e-mail), so re-importing a file creates no
duplicates; changed values become new field versions with the old one kept encrypted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, update

from piplvault import discovery
from piplvault.core.customers import MATCH_ORDER, FieldDef
from piplvault.core.importplan import ColumnPlan, plan_columns, row_kind
from piplvault.core.purposes import resolve_purpose
from piplvault.crypto.aead import new_key
from piplvault.crypto.keyring import FieldCipher
from piplvault.errors import InvalidValueError, ValidationError, VaultError
from piplvault.io.tables import Table, normalise_cell
from piplvault.store.records import SealedField, pack, unpack
from piplvault.store.schema import blind_index, customer_keys, customers, field_history
from piplvault.vault.records import (
    cipher_for,
    decrypt_all,
    index_entries,
    load_field_defs,
    save_field_defs,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

ON_INVALID = ("reject", "flag", "abort")
_BATCH = 2000
_IN_CHUNK = 500


@dataclass(slots=True)
class ImportReport:
    file: str
    encoding: str
    sheet: str | None
    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    flagged: int = 0
    columns: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "flagged": self.flagged,
            "columns": self.columns,
            "rejections": self.rejections,
            "new_id_range": [self.new_ids[0], self.new_ids[-1]]
            if self.new_ids
            else None,
        }


@dataclass(slots=True)
class _Row:
    number: int
    kind: str
    values: dict[str, str]
    cell_entities: dict[str, str | None]
    flags: list[str]
    tags: list[tuple[str, bytes]]


def import_table(
    vault: Vault,
    table: Table,
    *,
    kind: str | None = None,
    dry_run: bool = False,
    on_invalid: str = "reject",
    purpose: str = "data-management",
    sample: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``table`` into ``vault`` atomically (or simulate it with ``dry_run``)."""
    if on_invalid not in ON_INVALID:
        raise ValidationError(
            f"Unknown --on-invalid '{on_invalid}'; use {', '.join(ON_INVALID)}"
        )
    if kind not in (None, "individual", "enterprise"):
        raise ValidationError(f"Unknown --kind '{kind}'; use individual or enterprise")
    purpose_key = resolve_purpose(purpose).key
    rows = table.rows()
    head = list(itertools.islice(rows, sample))
    plans = plan_columns(discovery.classify_columns(table.headers, head))
    report = ImportReport(
        file=table.name, encoding=table.encoding, sheet=table.sheet, dry_run=dry_run
    )
    report.columns = [_column_summary(p) for p in plans]
    run = _ImportRun(vault, plans, report, kind, on_invalid, table.name)
    with vault.write(commit=not dry_run) as conn:
        run.start(conn)
        for batch in _batched(itertools.chain(head, rows)):
            run.process(conn, batch)
            if progress is not None:
                progress(len(batch))
        vault.record(
            conn,
            action="import-dry-run" if dry_run else "customers-imported",
            target=f"file:{table.name}",
            purpose=purpose_key,
            details=_audit_details(report),
        )
    if dry_run:
        with vault.write() as conn:
            vault.record(
                conn,
                action="import-dry-run",
                target=f"file:{table.name}",
                purpose=purpose_key,
                details=_audit_details(report),
            )
    return report


def _batched(rows: Iterator[list[str]]) -> Iterator[list[tuple[int, list[str]]]]:
    numbered = enumerate(rows, start=2)
    while batch := list(itertools.islice(numbered, _BATCH)):
        yield batch


def _column_summary(p: ColumnPlan) -> dict[str, Any]:
    d = p.field
    return {
        "header": p.header,
        "field": d.key,
        "kind": d.kind,
        "entity": d.entity,
        "mixed": p.mixed,
        "sensitivity": d.sensitivity,
        "grade": d.grade,
        "category": d.category,
    }


def _audit_details(report: ImportReport) -> dict[str, Any]:
    details = report.to_dict()
    details["updated_ids"] = report.updated_ids
    details["rejections"] = report.rejections[:1000]
    return details


class _ImportRun:
    """State of one import while its transaction is open."""

    def __init__(
        self,
        vault: Vault,
        plans: list[ColumnPlan],
        report: ImportReport,
        kind: str | None,
        on_invalid: str,
        file: str,
    ) -> None:
        self.vault = vault
        self.keyring = vault.keyring
        self.plans = plans
        self.report = report
        self.kind = kind
        self.on_invalid = on_invalid
        self.file = file
        self.defs: dict[str, FieldDef] = {}
        self.next_id = 1
        self.now = vault.now()

    def start(self, conn: Connection) -> None:
        self.defs = load_field_defs(conn)
        save_field_defs(conn, self.defs, (p.field for p in self.plans), self.now)
        self.next_id = (
            int(conn.execute(select(func.max(customers.c.id))).scalar() or 0) + 1
        )

    def process(self, conn: Connection, batch: list[tuple[int, list[str]]]) -> None:
        parsed = [
            r for r in (self._parse(n, cells) for n, cells in batch) if r is not None
        ]
        self.report.rows += len(batch)
        existing = self._lookup(conn, {t for r in parsed for t in r.tags})
        pending: dict[tuple[str, bytes], dict[str, Any]] = {}
        new_rows: list[dict[str, Any]] = []
        for row in parsed:
            match = self._match(row, existing, pending)
            if match is None:
                record = self._new_customer(row)
                new_rows.append(record)
                for tag in row.tags:
                    pending[tag] = record
            elif isinstance(match, dict):
                match["values"].update(row.values)
                match["cell_entities"].update(row.cell_entities)
                for tag in row.tags:
                    pending[tag] = match
            else:
                self._update_customer(conn, match, row)
        self._flush(conn, new_rows)

    # --- per row ------------------------------------------------------------------------
    def _parse(self, number: int, cells: list[str]) -> _Row | None:
        values: dict[str, str] = {}
        cell_entities: dict[str, str | None] = {}
        invalid: list[ColumnPlan] = []
        stated_kind = None
        present: set[str] = set()
        for p in self.plans:
            raw = cells[p.index]
            if not raw.strip():
                continue
            value = normalise_cell(raw) if p.field.kind == "pii" else raw.strip()
            if p.states_kind:
                stated_kind = value
            if p.mixed:
                cell_entities[p.field.key] = discovery.label_cell(p.field.entity, value)
            elif p.validated and not discovery.validate(p.field.entity or "", value):
                invalid.append(p)
            values[p.field.key] = value
            ent = cell_entities.get(p.field.key) or p.field.entity
            if ent:
                present.add(ent)
        flags: list[str] = []
        if invalid:
            if self.on_invalid == "abort":
                p = invalid[0]
                raise InvalidValueError(
                    f"not a valid {p.field.entity}; nothing was imported",
                    file=self.file,
                    row=number,
                    column=p.header,
                )
            for p in invalid:
                self.report.rejections.append(
                    {
                        "row": number,
                        "column": p.header,
                        "entity": p.field.entity,
                        "action": "rejected"
                        if self.on_invalid == "reject"
                        else "flagged",
                    }
                )
            if self.on_invalid == "reject":
                self.report.rejected += 1
                return None
            self.report.flagged += 1
            flags = [p.field.key for p in invalid]
        kind = row_kind(self.kind, stated_kind, cell_entities, present)
        tags = self._match_tags(kind, values, cell_entities, flags)
        return _Row(number, kind, values, cell_entities, flags, tags)

    def _match_tags(
        self,
        kind: str,
        values: dict[str, str],
        cell_entities: dict[str, str | None],
        flags: list[str],
    ) -> list[tuple[str, bytes]]:
        valid = {k: v for k, v in values.items() if k not in flags}
        entries = index_entries(self.keyring, 0, self.defs, valid, cell_entities)
        by_kind: dict[str, list[bytes]] = {}
        for e in entries:
            by_kind.setdefault(str(e["kind"]), []).append(bytes(e["tag"]))  # type: ignore[call-overload]
        return [(k, t) for k in MATCH_ORDER[kind] for t in by_kind.get(k, [])]

    def _match(
        self,
        row: _Row,
        existing: dict[tuple[str, bytes], int],
        pending: dict[tuple[str, bytes], dict[str, Any]],
    ) -> int | dict[str, Any] | None:
        for tag in row.tags:
            if tag in pending:
                return pending[tag]
            if tag in existing:
                return existing[tag]
        return None

    def _lookup(
        self, conn: Connection, tags: set[tuple[str, bytes]]
    ) -> dict[tuple[str, bytes], int]:
        if not tags or (self.next_id == 1 and not self.report.new):
            return {}
        found: dict[tuple[str, bytes], int] = {}
        tag_list = list(tags)
        for i in range(0, len(tag_list), _IN_CHUNK):
            chunk = tag_list[i : i + _IN_CHUNK]
            rows = conn.execute(
                select(blind_index).where(blind_index.c.tag.in_([t for _, t in chunk]))
            )
            wanted = set(chunk)
            for r in rows:
                key = (r.kind, bytes(r.tag))
                if key in wanted:
                    found.setdefault(key, int(r.customer_id))
        return found

    def _new_customer(self, row: _Row) -> dict[str, Any]:
        customer_id = self.next_id
        self.next_id += 1
        return {
            "id": customer_id,
            "kind": row.kind,
            "values": dict(row.values),
            "cell_entities": dict(row.cell_entities),
            "flags": list(row.flags),
        }

    def _flush(self, conn: Connection, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        customer_rows, key_rows, index_rows = [], [], []
        kek_version = self.keyring.kek_version
        for rec in records:
            cid = rec["id"]
            dek = new_key()
            cipher = FieldCipher(cid, dek, 1)
            sealed = {
                k: SealedField(1, cipher.encrypt(k, 1, v))
                for k, v in rec["values"].items()
            }
            customer_rows.append(
                {
                    "id": cid,
                    "kind": rec["kind"],
                    "status": "active",
                    "created_at": self.now,
                    "updated_at": self.now,
                    "data": pack(sealed),
                    "flags": ",".join(rec["flags"]),
                }
            )
            key_rows.append(
                {
                    "customer_id": cid,
                    "kek_version": kek_version,
                    "dek_version": 1,
                    "wrapped": self.keyring.wrap_dek(cid, dek),
                }
            )
            valid = {k: v for k, v in rec["values"].items() if k not in rec["flags"]}
            index_rows.extend(
                index_entries(self.keyring, cid, self.defs, valid, rec["cell_entities"])
            )
            self.report.new_ids.append(cid)
        conn.execute(insert(customers), customer_rows)
        conn.execute(insert(customer_keys), key_rows)
        if index_rows:
            conn.execute(insert(blind_index), index_rows)
        self.report.new += len(records)

    def _update_customer(self, conn: Connection, customer_id: int, row: _Row) -> None:
        current = conn.execute(
            select(customers.c.data, customers.c.flags).where(
                customers.c.id == customer_id
            )
        ).one()
        cipher = cipher_for(conn, self.keyring, customer_id)
        sealed = unpack(bytes(current.data), customer_id=customer_id)
        plain = decrypt_all(cipher, sealed)
        changed = []
        for key, value in row.values.items():
            old = plain.get(key)
            if old is not None and old[0] == value:
                continue
            version = 1 if old is None else old[1] + 1
            if old is not None:
                conn.execute(
                    insert(field_history).values(
                        customer_id=customer_id,
                        field=key,
                        version=old[1],
                        ciphertext=sealed[key].blob,
                        superseded_at=self.now,
                    )
                )
            sealed[key] = SealedField(version, cipher.encrypt(key, version, value))
            plain[key] = (value, version)
            changed.append({"field": key, "version": version})
        if not changed:
            self.report.unchanged += 1
            return
        flags = sorted(set(filter(None, current.flags.split(","))) | set(row.flags))
        conn.execute(
            update(customers)
            .where(customers.c.id == customer_id)
            .values(data=pack(sealed), updated_at=self.now, flags=",".join(flags))
        )
        conn.execute(
            delete(blind_index).where(blind_index.c.customer_id == customer_id)
        )
        valid = {
            k: v for k, (v, _) in plain.items() if k not in flags and k in self.defs
        }
        cells = {
            k: discovery.label_cell(self.defs[k].entity, v)
            for k, v in valid.items()
            if k == "customer_name"
        }
        rows = index_entries(self.keyring, customer_id, self.defs, valid, cells)
        if rows:
            conn.execute(insert(blind_index), rows)
        self.vault.record(
            conn,
            action="customer-field-updated",
            target=f"customer:{customer_id}",
            purpose="data-management",
            details={
                "fields": changed,
                "source": f"import:{self.file}",
                "row": row.number,
            },
        )
        self.report.updated += 1
        self.report.updated_ids.append(customer_id)


__all__ = ["ON_INVALID", "ImportReport", "VaultError", "import_table"]
