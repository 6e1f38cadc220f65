"""Import a customer table: classify columns, validate, match by blind index, encrypt, store.

The whole import is one database transaction: interrupted at any point (Ctrl-C, kill -9,
disk full) the vault is left exactly as before. Rows are matched to existing customers by
blind index (ID number / USCC, then phone, then e-mail), so re-importing a file creates no
duplicates; changed values become new field versions with the old one kept encrypted.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from piplvault import discovery
from piplvault.core.importplan import ColumnPlan, all_fields, plan_columns
from piplvault.discovery.columns import FAMILIES
from piplvault.discovery.overrides import apply_overrides, describe
from piplvault.errors import (
    ImportWorkerError,
    InvalidValueError,
    NotFoundError,
    ValidationError,
)
from piplvault.io.tables import Table
from piplvault.store import blind_index
from piplvault.store import customers as stored
from piplvault.store import purposes as stored_purposes
from piplvault.store.customer_ids import next_customer_id, note_customer_ids
from piplvault.store.engine import Connection
from piplvault.store.records import unpack
from piplvault.vault import policy, transaction_dates
from piplvault.vault.import_report import ImportReport, audit_details, column_summary
from piplvault.vault.importrows import (
    PreparedRow,
    RowPreparer,
    init_worker,
    prepare_in_worker,
)
from piplvault.vault.records import (
    check_index_rows,
    check_record,
    cipher_for,
    decrypt_all,
    load_field_defs,
    put_version,
    reindex,
    save_field_defs,
    seal_record,
)

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

ON_INVALID = ("flag", "reject", "abort")
_BATCH = 2000


def import_table(
    vault: Vault,
    table: Table,
    *,
    kind: str | None = None,
    dry_run: bool = False,
    on_invalid: str = "flag",
    purpose: str = "contract",
    sample: int = 1000,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    last_transaction_column: str | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import ``table`` into ``vault`` atomically (or simulate it with ``dry_run``).

    ``last_transaction_column`` names a date column recorded as each customer's last
    transaction (statutory retention counts from it; vault/transaction_dates.py).
    ``overrides`` maps column headers to the entity a person decided (``--map``); the
    decisions and every override are in the report and the audit entry."""
    if on_invalid not in ON_INVALID:
        raise ValidationError(
            f"Unknown handling of invalid values '{on_invalid}'; use "
            f"{', '.join(ON_INVALID)}",
            field="on_invalid",
        )
    if kind not in (None, "individual", "enterprise"):
        raise ValidationError(
            f"Unknown customer kind '{kind}'; use individual or enterprise",
            field="kind",
        )
    rows = table.rows()
    head = list(itertools.islice(rows, sample))
    decisions, changes = apply_overrides(
        discovery.classify_columns(table.headers, head), overrides or {}
    )
    plans = plan_columns(decisions, FAMILIES)
    report = ImportReport(
        file=table.name, encoding=table.encoding, sheet=table.sheet, dry_run=dry_run
    )
    mapped = {c["column"] for c in changes}
    report.columns = [
        column_summary(p, d, d.name in mapped)
        for p, d in zip(plans, decisions, strict=True)
    ]
    report.overrides = changes
    report.mapping = {d.name: describe(d) for d in decisions}
    dates = (
        transaction_dates.TransactionDates(
            last_transaction_column,
            transaction_dates.field_for_column(report.columns, last_transaction_column),
        )
        if last_transaction_column
        else None
    )
    action = "import-dry-run" if dry_run else "customers-imported"
    parallel = len(head) >= sample and (workers or os.cpu_count() or 1) > 1
    with vault.write(commit=not dry_run) as conn:
        resolved = policy.resolve_purpose(conn, purpose)
        purpose_key = resolved.key
        # also refused while the vault winds down or is sealed (policy.authorize)
        # every column written passes the same purpose/grade/category check as a read
        policy.authorize(
            vault,
            conn,
            action="import",
            purpose=resolved,
            fields=[p.field for p in plans],
        )
        run = _ImportRun(vault, conn, plans, report, table.name, purpose_key)
        preparer = RowPreparer(
            plans,
            run.defs,
            vault.keyring.sealing,
            forced_kind=kind,
            on_invalid=on_invalid,
        )
        batches = _batched(itertools.chain(head, rows), table.first_data_row)
        # provisional ids: id_base for the first data row, whatever its row number
        id_base = run.id_base + 2 - table.first_data_row
        prepared_batches = _prepare_all(
            preparer,
            batches,
            id_base,
            parallel,
            workers,
            vault.settings.start_method,
        )
        for prepared in prepared_batches:
            run.absorb(prepared, abort_on_invalid=on_invalid == "abort")
            if dates is not None:
                for row in prepared:
                    if row.number in run.placed:
                        dates.add(
                            row.number,
                            run.placed[row.number],
                            row.values.get(dates.field_key),
                        )
            if progress is not None:
                progress(len(prepared))
        if dates is not None:
            dates_changed = transaction_dates.record(conn, dates.dates)
            report.last_transactions = {**dates.to_dict(), "changed": dates_changed}
        vault.record(
            conn,
            action=action,
            target=f"file:{table.name}",
            purpose=purpose_key,
            details=audit_details(report),
        )
    if dry_run:
        with vault.write() as conn:
            purpose_key = policy.resolve_purpose(conn, purpose).key
            vault.record(
                conn,
                action=action,
                target=f"file:{table.name}",
                purpose=purpose_key,
                details=audit_details(report),
            )
    return report


def _batched(
    rows: Iterator[list[str]], first_row: int
) -> Iterator[list[tuple[int, list[str]]]]:
    """Rows in batches, numbered from the first data row (blank rows are skipped by the
    reader, so numbers are positions among data rows after the header)."""
    numbered = enumerate(rows, start=first_row)
    while batch := list(itertools.islice(numbered, _BATCH)):
        yield batch


def _prepare_all(
    preparer: RowPreparer,
    batches: Iterator[list[tuple[int, list[str]]]],
    id_base: int,
    parallel: bool,
    workers: int | None,
    start_method: str,
) -> Iterator[list[PreparedRow]]:
    """Prepared batches in input order; on several cores, a few batches ahead at most."""
    if not parallel:
        for batch in batches:
            yield preparer.prepare(batch, id_base)
        return
    # The preparer (column plans, field definitions, sealing keys) is pickled to each
    # worker, so nothing depends on memory inherited through fork: spawn works too.
    count = workers or min(os.cpu_count() or 1, 4)
    executor = ProcessPoolExecutor(
        count,
        mp_context=multiprocessing.get_context(start_method),
        initializer=init_worker,
        initargs=(preparer, os.getpid()),
    )
    broken = False
    try:
        in_flight: deque[Future[list[PreparedRow]]] = deque()
        for batch in batches:
            in_flight.append(executor.submit(prepare_in_worker, batch, id_base))
            if len(in_flight) > 2 * count:
                yield _result(executor, in_flight.popleft())
        while in_flight:
            yield _result(executor, in_flight.popleft())
    except (BrokenProcessPool, OSError, EOFError) as exc:
        # A worker died (killed, out of memory): fail closed; the import rolls back. The
        # pool's pipes may report it first as a broken pipe; an OSError with every worker
        # alive is the input's own (a file read error) and stays what it is.
        if not isinstance(exc, BrokenProcessPool) and all(
            p.is_alive() for p in _worker_processes(executor)
        ):
            raise
        broken = True
        raise ImportWorkerError(
            "An import worker process died before finishing its rows; nothing was "
            "imported. Run the import again (or 'piplvault import FILE --workers 1')."
        ) from exc
    finally:
        if broken:
            _stop_workers(executor)
        else:
            executor.shutdown(wait=True, cancel_futures=True)


#: How often a wait for a batch checks that every worker process is still alive.
_LIVENESS_SECONDS = 0.5


def _result(
    executor: ProcessPoolExecutor, future: Future[list[PreparedRow]]
) -> list[PreparedRow]:
    """The batch's rows; BrokenProcessPool as soon as any worker process is dead.

    The executor notices a dead worker by itself, but not always: under load, a worker
    killed mid-import once left the import waiting for ever (tests/test_crash.py, Python
    3.11). Never hang: look at the processes ourselves."""
    while True:
        try:
            return future.result(timeout=_LIVENESS_SECONDS)
        except TimeoutError:
            if any(not p.is_alive() for p in _worker_processes(executor)):
                raise BrokenProcessPool("an import worker process died") from None


def _worker_processes(executor: ProcessPoolExecutor) -> list[BaseProcess]:
    # the executor's own table of its worker processes (no public accessor)
    return list((getattr(executor, "_processes", None) or {}).values())


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """After a worker died: terminate the others and do not wait on the executor's
    queues (a dead worker may have left one locked)."""
    processes = _worker_processes(executor)
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


class _ImportRun:
    """State of one import while its transaction is open (main process)."""

    def __init__(
        self,
        vault: Vault,
        conn: Connection,
        plans: list[ColumnPlan],
        report: ImportReport,
        file: str,
        purpose: str,
    ) -> None:
        self.vault = vault
        self.purpose = purpose
        self.conn = conn
        self.keyring = vault.keyring
        self.report = report
        self.file = file
        self.now = vault.now()
        self.defs = load_field_defs(conn)
        save_field_defs(conn, self.defs, all_fields(plans), self.now)
        self.vault_was_empty = stored.last_customer_id(conn) is None
        self.id_base = next_customer_id(conn)  # never a deleted customer's id
        self.pending: list[PreparedRow] = []
        #: input row number → the customer it became or was matched to
        self.placed: dict[int, int] = {}

    def absorb(self, rows: list[PreparedRow], *, abort_on_invalid: bool) -> None:
        self.report.rows += len(rows)
        existing = self._lookup({t for r in rows for t in r.match})
        in_batch: dict[tuple[str, bytes], PreparedRow] = {}
        for row in rows:
            if row.invalid:
                self._note_invalid(row, abort_on_invalid)
                if row.rejected:
                    continue
            target = next((t for t in row.match if t in in_batch), None)
            if target is not None:
                self._flush()
                self.placed[row.number] = in_batch[target].customer_id
                self._update_customer(in_batch[target].customer_id, row)
                continue
            found = next((existing[t] for t in row.match if t in existing), None)
            if found is not None:
                self.placed[row.number] = found
                self._update_customer(found, row)
                continue
            self.placed[row.number] = row.customer_id
            self.pending.append(row)
            for tag in row.match:
                in_batch[tag] = row
        self._flush()

    def _add_purpose(self, customer_id: int) -> None:
        """Record that the customer is (also) held for this import's purpose."""
        if not stored_purposes.is_held_for(self.conn, customer_id, self.purpose):
            stored_purposes.add_held_for(
                self.conn,
                customer_id,
                self.purpose,
                source=f"import:{self.file}",
                at=self.now,
            )

    def _note_invalid(self, row: PreparedRow, abort: bool) -> None:
        if abort and row.rejected:
            header, entity = row.invalid[0]
            raise InvalidValueError(
                f"not a valid {entity}; nothing was imported",
                file=self.file,
                row=row.number,
                column=header,
            )
        action = "rejected" if row.rejected else "flagged"
        for header, entity in row.invalid:
            self.report.rejections.append(
                {
                    "row": row.number,
                    "column": header,
                    "entity": entity,
                    "action": action,
                }
            )
        if row.rejected:
            self.report.rejected += 1
        else:
            self.report.flagged += 1

    def _lookup(self, tags: set[tuple[str, bytes]]) -> dict[tuple[str, bytes], int]:
        if not tags or (self.vault_was_empty and not self.report.new):
            return {}
        found: dict[tuple[str, bytes], int] = {}
        by_kind: dict[str, list[bytes]] = {}
        for kind, tag in tags:
            by_kind.setdefault(kind, []).append(tag)
        for kind, kind_tags in by_kind.items():
            rows = blind_index.find_tags(self.conn, kind, kind_tags)
            check_index_rows(self.keyring.sealing, rows)
            for _kind, tag, customer_id, _mac in rows:
                found.setdefault((kind, tag), customer_id)
        return found

    def _flush(self) -> None:
        rows, self.pending = self.pending, []
        if not rows:
            return
        kek_version = self.keyring.kek_version
        now = self.now
        stored.insert_customers(
            self.conn,
            [
                (
                    r.customer_id,
                    r.kind,
                    "active",
                    now,
                    now,
                    r.data,
                    ",".join(r.flags),
                    r.mac,
                )
                for r in rows
            ],
            [(r.customer_id, kek_version, 1, r.wrapped) for r in rows],
        )
        blind_index.insert_rows(
            self.conn,
            (
                (k, t, r.customer_id, mac)
                for r in rows
                for (k, t), mac in zip(r.index, r.index_macs, strict=True)
            ),
        )
        stored_purposes.insert_held_for(
            self.conn,
            [(r.customer_id, self.purpose, f"import:{self.file}", now) for r in rows],
        )
        note_customer_ids(self.conn, max(r.customer_id for r in rows))
        self.report.new += len(rows)
        self.report.new_ids.extend(r.customer_id for r in rows)

    def _update_customer(self, customer_id: int, row: PreparedRow) -> None:
        conn = self.conn
        current = stored.load_sealed(conn, customer_id)
        if current is None:  # the blind index pointed here: the FK says it exists
            raise NotFoundError(f"No customer with id {customer_id}")
        data, current_flags, mac = current
        keys = self.keyring.sealing
        check_record(keys, customer_id, data, mac)
        cipher = cipher_for(conn, self.keyring, customer_id)
        sealed = unpack(data, customer_id=customer_id)
        plain = decrypt_all(cipher, sealed)
        changed = []
        for key, value in row.values.items():
            old = plain.get(key)
            if old is not None and old[0] == value:
                continue
            version = put_version(
                conn,
                cipher,
                sealed,
                customer_id=customer_id,
                field=key,
                value=value,
                now=self.now,
            )
            plain[key] = (value, version)
            changed.append({"field": key, "version": version})
        self._add_purpose(customer_id)
        if not changed:
            self.report.unchanged += 1
            return
        old_flags = set(filter(None, current_flags.split(",")))
        flags = sorted(old_flags - set(row.values) | set(row.flags))
        stored.save_record(
            conn,
            customer_id,
            **seal_record(keys, customer_id, sealed),
            updated_at=self.now,
            flags=",".join(flags),
        )
        valid = {
            k: v for k, (v, _) in plain.items() if k not in flags and k in self.defs
        }
        reindex(conn, self.keyring.sealing, customer_id, self.defs, valid)
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


__all__ = ["ON_INVALID", "ImportReport", "import_table"]
