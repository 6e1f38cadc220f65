"""Match a leaked file's rows to customers by blind index, as an import matches them.

The file is classified and each row prepared exactly as ``import`` prepares it (same column
plans, same normalisation, same strongest identifier: ID number or USCC, then phone, then
e-mail); only the HMAC tags are looked up. Nothing of the file is written anywhere: the
prepared rows (and their throw-away ciphertexts) live in memory only.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from piplvault import discovery
from piplvault.core.importplan import all_fields, plan_columns
from piplvault.discovery.columns import FAMILIES
from piplvault.store import incidents as store
from piplvault.store.engine import Connection
from piplvault.vault.importrows import RowPreparer
from piplvault.vault.records import check_index_rows, load_field_defs

if TYPE_CHECKING:
    from piplvault.io.tables import Table
    from piplvault.vault.service import Vault

_SAMPLE = 1000


def match_table(
    vault: Vault, conn: Connection, table: Table
) -> tuple[dict[int, bool], dict[str, Any]]:
    """customer id → sensitive PI in the leaked row; plus row/match counts."""
    rows = table.rows()
    head = list(itertools.islice(rows, _SAMPLE))
    plans = plan_columns(discovery.classify_columns(table.headers, head), FAMILIES)
    defs = dict(load_field_defs(conn))
    for d in all_fields(plans):
        defs.setdefault(d.key, d)
    preparer = RowPreparer(
        plans, defs, vault.keyring.sealing, forced_kind=None, on_invalid="flag"
    )
    sensitive_keys = {p.field.key for p in plans if p.field.sensitivity == "sensitive"}
    wanted: list[tuple[list[tuple[str, bytes]], bool]] = []
    total = 0
    for number, cells in enumerate(itertools.chain(head, rows), start=2):
        total += 1
        row = preparer.prepare_row(number, cells, 0)
        leaked_sensitive = bool(set(row.values) & sensitive_keys)
        if row.match:
            wanted.append((row.match, leaked_sensitive))
    found = store.index_rows(conn, {t for match, _ in wanted for t in match})
    check_index_rows(vault.keyring.sealing, found)  # a re-pointed tag is refused
    owner = {(kind, tag): cid for kind, tag, cid, _mac in found}
    people: dict[int, bool] = {}
    unmatched = total - len(wanted)
    for match, sensitive in wanted:
        hit = next((owner[t] for t in match if t in owner), None)
        if hit is None:
            unmatched += 1
            continue
        people[hit] = people.get(hit, False) or sensitive
    return people, {
        "rows": total,
        "matched_rows": total - unmatched,
        "unmatched_rows": unmatched,
        "columns": [p.header for p in plans if p.field.kind == "pii"],
    }
