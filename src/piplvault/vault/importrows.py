"""Prepare imported rows: normalise, validate, label, blind-index and encrypt them.

Pure CPU work with no database access, so the import runs it in worker processes on every
core while the main process writes. A row is encrypted as a new customer under its
provisional id; if it later turns out to match an existing customer, the main process
re-encrypts the changed values under that customer's own key instead.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from piplvault import discovery
from piplvault.core.customers import MATCH_ORDER, FieldDef
from piplvault.core.importplan import ColumnPlan, row_kind
from piplvault.crypto.aead import new_key
from piplvault.crypto.keyring import FieldCipher, SealingKeys
from piplvault.discovery.columns import FAMILIES
from piplvault.discovery.doctype import label_document
from piplvault.store.records import SealedField, pack
from piplvault.vault.records import index_entries


@dataclass(slots=True)
class PreparedRow:
    """One input row, ready to store (holds plaintext in memory only)."""

    number: int
    customer_id: int
    kind: str
    values: dict[str, str]
    cell_entities: dict[str, str | None]
    flags: list[str]
    invalid: list[tuple[str, str | None]]
    rejected: bool
    index: list[tuple[str, bytes]] = field(default_factory=list)
    match: list[tuple[str, bytes]] = field(default_factory=list)
    #: the MAC of each ``index`` row, in the same order (computed in the worker)
    index_macs: list[bytes] = field(default_factory=list)
    data: bytes = b""
    mac: bytes = b""
    wrapped: bytes = b""


class RowPreparer:
    """Turns raw cells into :class:`PreparedRow` objects for one import."""

    def __init__(
        self,
        plans: list[ColumnPlan],
        defs: dict[str, FieldDef],
        keys: SealingKeys,
        *,
        forced_kind: str | None,
        on_invalid: str,
    ) -> None:
        self.plans = plans
        self.defs = defs
        self.keys = keys
        self.forced_kind = forced_kind
        self.on_invalid = on_invalid

    def prepare(
        self, batch: list[tuple[int, list[str]]], id_base: int
    ) -> list[PreparedRow]:
        return [self.prepare_row(n, cells, id_base + n - 2) for n, cells in batch]

    def prepare_row(
        self, number: int, cells: list[str], customer_id: int
    ) -> PreparedRow:
        values: dict[str, str] = {}
        cell_entities: dict[str, str | None] = {}
        invalid: list[ColumnPlan] = []
        flagged: list[str] = []  # the field key of each invalid value
        implausible = False
        stated_kind: str | None = None
        present: set[str] = set()
        for p in self.plans:
            raw = cells[p.index]
            if not raw.strip():
                continue
            key = p.field.key
            # personal values lose their export wrapping ('138…, ="…", 手机：…)
            value = discovery.clean_cell(raw) if p.field.kind == "pii" else raw.strip()
            if not value:
                continue
            if p.states_kind:
                stated_kind = value
            entity = p.field.entity
            if p.mixed and p.hint_index is not None:
                # 证件类型 says which document the row holds (护照 → passport)
                hint = cells[p.hint_index] if p.hint_index < len(cells) else None
                entity, valid = label_document(hint, value)
                own = p.cell_fields.get(entity or "")
                if own is not None:
                    key = own.key  # flagged under its type's field if invalid
                cell_entities[key] = entity
                if not valid:
                    invalid.append(p)
                    flagged.append(key)
                    implausible |= entity is None
            elif p.mixed:
                entity = discovery.label_cell(entity, value)
                own = p.cell_fields.get(entity or "")
                if own is not None:
                    key = own.key  # a landline in 联系方式 is stored as landline
                cell_entities[key] = entity
                if entity is None and p.validated:
                    invalid.append(p)
                    flagged.append(key)
                    implausible |= not any(
                        discovery.plausible(e, value) for e in _family_of(p)
                    )
            elif p.validated and not discovery.validate_cell(entity or "", value):
                invalid.append(p)
                flagged.append(key)
                implausible |= not discovery.plausible(entity or "", value)
            values[key] = value
            if entity:
                present.add(entity)
        # Invalid values are kept and flagged (issue 12.3); only --on-invalid
        # reject|abort drop a row, and never for a value whose only fault is a
        # numbering plan that lags reality.
        rejected = implausible and self.on_invalid != "flag"
        flags = [] if rejected else flagged
        row = PreparedRow(
            number=number,
            customer_id=customer_id,
            kind=row_kind(self.forced_kind, stated_kind, cell_entities, present),
            values=values,
            cell_entities=cell_entities,
            flags=flags,
            invalid=[(p.header, p.field.entity) for p in invalid],
            rejected=rejected,
        )
        if not row.rejected:
            self.seal_row(row)
        return row

    def seal_row(self, row: PreparedRow) -> None:
        """Blind-index and encrypt a row as a new customer under its provisional id."""
        valid = {k: v for k, v in row.values.items() if k not in row.flags}
        entries = index_entries(
            self.keys, row.customer_id, self.defs, valid, row.cell_entities
        )
        row.index = [(str(e["kind"]), e["tag"]) for e in entries]  # type: ignore[misc]
        row.index_macs = [e["mac"] for e in entries]  # type: ignore[misc]
        row.match = strongest_match(row.kind, row.index)
        dek = new_key()
        cipher = FieldCipher(row.customer_id, dek, 1)
        row.data = pack(
            {k: SealedField(1, cipher.encrypt(k, 1, v)) for k, v in row.values.items()}
        )
        row.mac = self.keys.record_mac(row.customer_id, row.data)
        row.wrapped = self.keys.wrap_dek(row.customer_id, dek)


def _family_of(plan: ColumnPlan) -> tuple[str, ...]:
    entity = plan.field.entity or ""
    for family in FAMILIES:
        if entity in family:
            return family
    return (entity,)


def strongest_match(
    kind: str, index: list[tuple[str, bytes]]
) -> list[tuple[str, bytes]]:
    """Tags of the strongest identifier kind the row has (an ID number beats a phone):
    two people sharing a phone but with different ID numbers stay two customers."""
    for match_kind in MATCH_ORDER[kind]:
        tags = [t for t in index if t[0] == match_kind]
        if tags:
            return tags
    return []


# --- worker processes --------------------------------------------------------------------
_WORKER: RowPreparer | None = None


def init_worker(preparer: RowPreparer, parent: int) -> None:
    """Start an import worker of process ``parent`` (its pid, given by the parent itself:
    a worker starting after its parent died would otherwise take init for it)."""
    global _WORKER
    _WORKER = preparer
    threading.Thread(
        target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True
    ).start()


#: How often an import worker checks that the process that started it is alive.
PARENT_WATCH_S = 0.5


def _exit_with_parent(parent: int) -> None:
    """End this worker once its parent is gone (killed: it cannot stop its pool). A worker
    holds the sealing keys it was given; it must not outlive the server that unsealed them,
    and its queues would keep it waiting forever."""
    while os.getppid() == parent:
        time.sleep(PARENT_WATCH_S)
    os._exit(1)


def prepare_in_worker(
    batch: list[tuple[int, list[str]]], id_base: int
) -> list[PreparedRow]:
    if _WORKER is None:
        raise RuntimeError("import worker was not initialised")
    return _WORKER.prepare(batch, id_base)
