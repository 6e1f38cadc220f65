"""`Vault`: open or create a vault, run use cases in audited transactions.

Every use case runs inside :meth:`Vault.write`, which opens one database transaction; the
use case appends its audit entry in that same transaction and the head is signed before
commit. If the audit entry cannot be written, the transaction rolls back: no audit entry,
no operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import functools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from piplvault.audit import anchor
from piplvault.audit import log as audit
from piplvault.audit.chain import AuditEntry
from piplvault.audit.note import AuditEntryFields, AuditNote
from piplvault.audit.request import REQUEST_ID
from piplvault.audit.verify import AuditReport, verify_log
from piplvault.core.customers import CustomerView
from piplvault.core.ports import Clock, to_timestamp
from piplvault.crypto.kdf import (
    KdfParams,
    check_passphrase_strength,
    derive_master_key,
)
from piplvault.crypto.keyring import Keyring, WrappedKey, new_vault_keys
from piplvault.crypto.signing import public_pem
from piplvault.errors import (
    AuthenticationError,
    ConfigError,
    IntegrityError,
    PermissionDeniedError,
    VaultError,
    VaultExistsError,
    VaultNotFoundError,
)
from piplvault.io.private_files import clean_vault_home
from piplvault.settings import Settings, write_config
from piplvault.store import migrate
from piplvault.store.database import has_vault, storage_errors
from piplvault.store.engine import (
    Connection,
    Engine,
    is_sqlite,
    make_engine,
    sqlite_snapshot,
)
from piplvault.store.meta import insert_meta, read_meta
from piplvault.store.vault_keys import VaultKeyRow, insert_vault_keys, load_vault_keys
from piplvault.vault import customers, imports, integrity, policy
from piplvault.vault.records import load_field_defs

T = TypeVar("T")


class NotAdmitted(enum.Enum):
    """:meth:`Vault.admitted_read_async`'s answer when the request's credentials were
    not admitted in the read's snapshot (nothing was read)."""

    NOT_ADMITTED = "not-admitted"


NOT_ADMITTED = NotAdmitted.NOT_ADMITTED

if TYPE_CHECKING:
    from piplvault.io.tables import Table
    from piplvault.vault.audit_writer import AuditWriterClient
    from piplvault.vault.group_commit import GroupCommitter
    from piplvault.vault.imports import ImportReport


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class Vault:
    """One open, unlocked vault. Build it with :meth:`create` or :meth:`open`.

    ``mode`` is ``direct`` for the passphrase holder on the box (maintenance, Python API);
    the server hands each authenticated person a :class:`~piplvault.vault.session.Session`.
    """

    mode = "direct"

    def __init__(
        self, settings: Settings, engine: Engine, keyring: Keyring, *, clock: Clock
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.keyring = keyring
        self.clock = clock
        self.actor = settings.user
        self.roles = policy.load_roles(settings.home)
        #: the server's group committer (None: each transaction commits on its own)
        self.group: GroupCommitter | None = None
        #: with ``serve --workers N``: the one audit writer of every worker (prefork)
        self.audit_writer: AuditWriterClient | None = None

    # --- lifecycle ----------------------------------------------------------------------
    @classmethod
    def create(cls, settings: Settings, *, clock: Clock | None = None) -> Vault:
        """Create a new vault at ``settings.home`` (and its database)."""
        clock = clock or SystemClock()
        passphrase = _passphrase(settings)
        # weak secrets are refused before anything touches the disk (issue 10, attack 10)
        check_passphrase_strength(passphrase)
        params = KdfParams.new(memory_kib=settings.kdf_memory_kib)
        home = settings.home
        created_home = not home.exists()
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = make_engine(settings.database_url)
        if has_vault(engine):
            raise VaultExistsError(
                f"A vault already exists at {_where(settings)}; nothing was changed"
            )
        try:
            return cls._initialise(settings, engine, params, passphrase, clock)
        except BaseException:
            engine.dispose()
            _remove_partial_vault(settings, created_home)
            raise

    @classmethod
    def _initialise(
        cls,
        settings: Settings,
        engine: Engine,
        params: KdfParams,
        passphrase: str,
        clock: Clock,
    ) -> Vault:
        home = settings.home
        master = derive_master_key(passphrase, params)
        wrapped = new_vault_keys(master)
        keyring = Keyring(master, wrapped)
        migrate.upgrade(engine)
        now = to_timestamp(clock.now())
        with engine.begin() as conn:
            insert_meta(
                conn,
                {
                    "vault_id": os.urandom(8).hex(),
                    "created_at": now,
                    "kdf": json.dumps(params.to_dict()),
                    "state": "active",
                    integrity.MARK: integrity.VERSION,
                },
            )
            insert_vault_keys(
                conn,
                [
                    VaultKeyRow(purpose=k.purpose, version=k.version, blob=k.blob)
                    for k in wrapped
                ],
                created_at=now,
            )
            audit.init_head(conn)
            vault = cls(settings, engine, keyring, clock=clock)
            vault.record(
                conn,
                action="vault-created",
                target="vault",
                details={
                    "kdf": "argon2id",
                    "memory_kib": params.memory_kib,
                    integrity.MARK: integrity.VERSION,  # records carry MACs from birth
                },
            )
            vault.sign_head(conn)
        write_config(home, settings.db)
        return vault

    @classmethod
    def open(
        cls, settings: Settings, *, clock: Clock | None = None, pooled: bool = False
    ) -> Vault:
        """Open and unlock an existing vault; a wrong passphrase writes nothing.
        ``pooled``: keep database connections open between transactions (the server)."""
        clock = clock or SystemClock()
        passphrase = _passphrase(settings)
        if settings.db is None and not (settings.home / "vault.db").is_file():
            raise VaultNotFoundError(
                f"No vault at {settings.home}; create one with 'piplvault init {settings.home}'"
            )
        clean_vault_home(settings.home)  # temp files a killed process left behind
        engine = make_engine(settings.database_url, pooled=pooled)
        if not has_vault(engine):
            raise VaultNotFoundError(
                f"No vault at {_where(settings)}; create one with 'piplvault init'"
            )
        if migrate.current_revision(engine) != migrate.head_revision():
            migrate.upgrade(engine)
        with engine.connect() as conn:
            kdf = read_meta(conn, "kdf")
            rows = load_vault_keys(conn)
        if kdf is None:
            raise IntegrityError(
                f"The vault at {_where(settings)} has no key-derivation parameters "
                "(meta row 'kdf' is missing); restore it from a backup"
            )
        params = KdfParams.from_dict(json.loads(kdf))
        master = derive_master_key(passphrase, params)
        wrapped = [
            WrappedKey(purpose=r.purpose, version=r.version, blob=r.blob) for r in rows
        ]
        vault = cls(settings, engine, Keyring(master, wrapped), clock=clock)
        vault.actor = vault.login()
        integrity.check_on_open(vault)  # record MACs once; policy.toml edits audited
        return vault

    def login(self) -> str:
        """Authenticate the acting user; a failure is audited and raised."""
        try:
            return policy.authenticate(self)
        except AuthenticationError as error:
            with self.write() as conn:
                self.record(
                    conn,
                    action="login-failed",
                    target=f"user:{self.actor}",
                    outcome="denied",
                    details={"reason": error.message},
                )
            raise

    def close(self) -> None:
        self._stop_group_commit()
        self.engine.dispose()

    def seal(self) -> None:
        """Forget the keys (best effort: Python cannot guarantee every copy is gone)."""
        self._stop_group_commit()
        self.keyring.wipe()
        self.engine.dispose()

    def start_group_commit(self) -> None:
        """Commit the grouped transactions of concurrent requests together (the server)."""
        if self.group is None:
            from piplvault.vault.group_commit import GroupCommitter

            self.group = GroupCommitter(self)

    def _stop_group_commit(self) -> None:
        if self.group is not None:
            self.group.stop()
            self.group = None

    # --- transactions and audit ---------------------------------------------------------
    @contextmanager
    def write(
        self,
        *,
        commit: bool = True,
        publish_later: list[Callable[[], None]] | None = None,
    ) -> Iterator[Connection]:
        """One audited transaction: commit only if the audit entries and checkpoint land.

        With ``commit=False`` everything runs and is then rolled back (dry runs). With
        ``publish_later`` the head file's publication, once committed, is put there for
        the caller to run after it has answered (the audit writers: entries are durable
        at the commit; the head file is the anchor of what was committed), rather than
        run before ``write`` returns.
        """
        with storage_errors():
            with self.engine.connect() as conn:
                transaction = conn.begin()
                try:
                    yield conn
                    self.sign_head(conn)
                except VaultError as refused:
                    transaction.rollback()
                    self._audit_refusal(refused)
                    raise
                except BaseException:
                    transaction.rollback()
                    raise
                plan = self._plan_head(conn) if commit and self.reads_inline else None
                if commit:
                    transaction.commit()
                else:
                    transaction.rollback()
            if commit:
                if publish_later is None:
                    self._publish_head(plan)
                else:
                    publish_later.append(functools.partial(self._publish_head, plan))

    def _plan_head(self, conn: Connection) -> anchor.HeadPlan | None:
        """The head file's publication, decided before the commit under its write lock
        (``anchor.plan_head``); None — decided afresh after the commit — if it cannot
        be. A plan never fails the write it anchors (SQLite only: there a failed read
        leaves the transaction as it was; PostgreSQL would abort it)."""
        return anchor.plan_head(
            conn, self.settings.home, self.keyring.signing_key, at=self.now()
        )

    def _publish_head(self, plan: anchor.HeadPlan | None = None) -> None:
        """Anchor the committed audit head outside the database (issue 10, attack 3):
        as ``plan`` decided if the head file is unchanged since, else afresh on a
        snapshot."""
        home = self.settings.home
        try:
            # one publisher at a time: the workers of `serve --workers N` commit in turn
            # but publish afterwards, and the file must not move back to an older head
            with anchor.publishing(home):
                if plan is not None and anchor.apply_plan(plan):
                    return
                with self.snapshot() as conn:
                    anchor.publish_head(
                        conn, home, self.keyring.signing_key, at=self.now()
                    )
        except OSError:  # a read-only copy (audit verify) keeps its file as it is
            return

    def audited_read(self, read: Callable[[Connection], tuple[T, AuditNote]]) -> T:
        """A use case whose one write is its own audit entry (a customer read, issue 11).

        ``read(conn)`` runs on a read-only snapshot, outside the write lock — the workers
        of ``serve --workers N`` read in parallel — and returns its result and the entry
        to record. The result is returned only once that entry is durable ("no audit
        entry, no answer"); in the server the entry is appended together with concurrent
        requests' (`group_commit`), else in its own transaction. A refusal carrying
        audit information is recorded the same way, then raised."""
        entry, outcome = self._read_for_audit(read)
        self._append(lambda conn: self.record_entry(conn, entry))
        if isinstance(outcome, VaultError):
            raise outcome
        return outcome

    async def audited_read_async(
        self, read: Callable[[Connection], tuple[T, AuditNote]]
    ) -> T:
        """:meth:`audited_read` for the server's event loop: on SQLite the read runs
        right here (a snapshot read never waits for a lock, and the GIL would let only
        one thread run it anyway), and the request waits for its entry's group commit
        without holding a thread. Elsewhere (PostgreSQL: network round trips; or no
        group committer) the whole read runs in a worker thread. With several workers,
        the entry goes to their one audit writer (``vault.audit_writer``)."""
        if not self._reads_on_loop:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(self.audited_read, read)
        await self._take_turn()
        entry, outcome = self._read_for_audit(read)
        return await self._answer_when_audited(entry, outcome)

    async def admitted_read_async(
        self,
        admit: Callable[[Connection], Vault | None],
        reader: Callable[[Vault], Callable[[Connection], tuple[T, AuditNote]]],
    ) -> T | NotAdmitted:
        """:meth:`audited_read_async` for a request whose credentials are checked in the
        read's own snapshot (the server's plain customer read): one snapshot per
        request, not one for the token and another for the read. ``admit(conn)`` is the
        session of valid credentials, or None: then nothing is read and
        :data:`NOT_ADMITTED` is returned, for the caller's full check, which audits a
        refusal. ``reader(session)`` is the read, run — and audited — as that session.
        :data:`NOT_ADMITTED` too where reads do not run on the event loop.

        The snapshot is the driver-level one (:meth:`snapshot`): every statement of the
        token check and of the plain customer read is `Prepared` (SQLAlchemy's
        ``Connection`` cost ~8 % of a read's CPU)."""
        if not self._reads_on_loop:
            return NOT_ADMITTED
        await self._take_turn()
        with storage_errors(), self.snapshot() as conn:
            session = admit(conn)
            if session is None:
                return NOT_ADMITTED
            entry, outcome = session._read_for_audit(reader(session), conn)
        return await session._answer_when_audited(entry, outcome)

    @property
    def _reads_on_loop(self) -> bool:
        """Whether a read runs on the event loop, its entry then grouped."""
        return self.reads_inline and (
            self.group is not None or self.audit_writer is not None
        )

    async def _take_turn(self) -> None:
        """Finish before starting: reads whose entries are already durable answer first
        (a ~0.3 ms tail each), then this read runs (~1.3 ms, holding the event loop).
        Started in arrival order instead, a read ready to answer waited for every read
        that had come in meanwhile (open loop at 500 reads/s on 2 cores, 1M customers:
        p99 59–62 ms before, 27–45 ms in most runs after; bench/results/api.md)."""
        if self.audit_writer is not None:
            self.audit_writer.settle()
        await asyncio.sleep(0)

    async def _answer_when_audited(
        self, entry: AuditEntryFields, outcome: T | VaultError
    ) -> T:
        """The read's result once its entry is durable (or its refusal, raised)."""
        group, writer = self.group, self.audit_writer
        if writer is not None:
            await writer.append_async(entry)
        elif group is not None:
            await group.append_async(lambda conn: self.record_entry(conn, entry))
        if isinstance(outcome, VaultError):
            raise outcome
        return outcome

    def _read_for_audit(
        self,
        read: Callable[[Connection], tuple[T, AuditNote]],
        conn: Connection | None = None,
    ) -> tuple[AuditEntryFields, T | VaultError]:
        """Run ``read`` on a read-only snapshot (``conn``, else one of its own): (the
        audit entry its outcome needs, its result or its refusal). A refusal without
        audit information is raised here."""
        opened = self.read() if conn is None else contextlib.nullcontext(conn)
        try:
            with storage_errors(), opened as snapshot:
                result, note = read(snapshot)
        except VaultError as refused:
            fields = self.refusal_fields(refused)
            if fields is None:
                raise
            return self.audit_entry(**fields), refused
        return self.audit_entry(**note.fields()), result

    def audit_entry(
        self,
        *,
        action: str,
        target: str,
        purpose: str = "",
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
    ) -> AuditEntryFields:
        """An entry to append later, maybe in another process (the workers' audit
        writer): this session's actor and the current request id go in now."""
        request_id = REQUEST_ID.get()
        if request_id is not None:
            details = {**(details or {}), "request_id": request_id}
        return {
            "actor": self.actor,
            "action": action,
            "target": target,
            "purpose": purpose,
            "outcome": outcome,
            "details": details or {},
        }

    def record_entry(self, conn: Connection, entry: AuditEntryFields) -> None:
        """Append an entry made by :meth:`audit_entry` in ``conn``'s transaction."""
        self.record_entries(conn, [entry])

    def record_entries(self, conn: Connection, entries: list[AuditEntryFields]) -> None:
        """Append entries made by :meth:`audit_entry`, in order, in ``conn``'s
        transaction (the audit writer's round: one head read and move for all)."""
        audit.append_many(conn, at=self.now(), entries=entries)

    @property
    def reads_inline(self) -> bool:
        """Whether a short read may run on the server's event loop (a local SQLite file)."""
        return is_sqlite(self.engine)

    def _append(self, write: Callable[[Connection], None]) -> None:
        """Audit entries only: grouped in the server, else one transaction."""
        if self.group is None:
            with self.write() as conn:
                write(conn)
        else:
            self.group.append(write)

    def _audit_refusal(self, refused: VaultError) -> None:
        """Audit a refused request (one that carries ``audit`` info) after its rollback."""
        if getattr(refused, "audit", None) is None:
            return
        with self.write() as conn:
            self.record_refusal(conn, refused)

    def record_refusal(self, conn: Connection, refused: VaultError) -> None:
        """The audit entry of a refused request (one that carries ``audit`` info)."""
        fields = self.refusal_fields(refused)
        if fields is not None:
            self.record(conn, **fields)

    @staticmethod
    def refusal_fields(refused: VaultError) -> dict[str, Any] | None:
        """What :meth:`record` takes for a refusal; None when it carries no audit info."""
        info = getattr(refused, "audit", None)
        if info is None:
            return None
        return {
            "action": info["action"],
            "target": info["target"],
            "purpose": info["purpose"],
            "outcome": "denied",
            "details": {
                "reason": getattr(refused, "reason", refused.code),
                "fields": info.get("fields", []),
                "message": refused.message,
            },
        }

    def authorize(
        self,
        conn: Connection,
        *,
        action: str,
        purpose: str | None = None,
        customer_id: int | None = None,
        field_keys: Iterable[str] = (),
        state_gate: bool = True,
    ) -> None:
        """The policy choke point: raise PermissionDeniedError (audited) unless allowed."""
        resolved = policy.resolve_purpose(conn, purpose) if purpose else None
        keys = list(field_keys)
        defs = load_field_defs(conn) if keys else {}
        policy.authorize(
            self,
            conn,
            action=action,
            purpose=resolved,
            customer_id=customer_id,
            fields=[defs[k] for k in keys if k in defs],
            state_gate=state_gate,
        )

    @contextmanager
    def reading(self, *actions: str) -> Iterator[Connection]:
        """A read use case: authorized for one of ``actions`` (refusal audited), no commit.

        Every public read that is not a customer read (which authorizes per customer and
        field) goes through here, so that no listing answers an unauthorised actor. It
        runs on a read-only snapshot, so a read never waits for a long write (a shredding
        run holds the write lock until it commits); a refusal is audited afterwards in a
        transaction of its own, as :meth:`write` audits one."""
        with self.authorized_read(
            lambda conn: self.authorize_any(conn, actions)
        ) as conn:
            yield conn

    @contextmanager
    def authorized_read(
        self, check: Callable[[Connection], None]
    ) -> Iterator[Connection]:
        """A read-only snapshot once ``check(conn)`` allowed it; a refusal (by the check
        or by the read) is audited in a write transaction of its own, then raised — as
        :meth:`write` audits one, without taking the write lock to read."""
        with storage_errors(), self.read() as conn:
            try:
                check(conn)
                yield conn
            except VaultError as refused:
                conn.rollback()
                self._audit_refusal(refused)
                raise

    def check_allowed(self, *actions: str) -> None:
        """Refuse (audited) an actor whose role holds none of ``actions``, before a page
        or a command goes on; on a read-only snapshot, so it never waits for a writer."""
        with self.authorized_read(lambda conn: self.require_any(conn, actions)):
            pass

    def require_action(self, conn: Connection, action: str) -> None:
        """Refuse (audited) an actor whose role lacks ``action`` altogether — before a
        listing that would otherwise silently withhold every row."""
        self.require_any(conn, (action,))

    def require_any(self, conn: Connection, actions: Iterable[str]) -> None:
        """Refuse (audited) an actor whose role holds none of ``actions`` — for what is no
        one customer's data (purpose lists, checking a file offline) but still not for
        everyone who can log in."""
        wanted = list(actions)
        if not set(wanted) & set(policy.load_actor(self, conn).role.actions):
            self.authorize(conn, action=wanted[0])

    def authorize_any(self, conn: Connection, actions: Iterable[str]) -> None:
        """Allowed if the actor may do any one of ``actions``; else the first's refusal."""
        wanted = list(actions)
        role = policy.load_actor(self, conn).role
        first: PermissionDeniedError | None = None
        for action in (a for a in wanted if a in role.actions):
            try:
                self.authorize(conn, action=action, state_gate=False)
                return
            except PermissionDeniedError as refusal:
                # e.g. an admin listing purposes: 'read-masked' wants a declared purpose,
                # 'report' (which the admin also has) does not — any one allowed is enough.
                first = first or refusal
        if first is not None:
            raise first
        self.authorize(conn, action=wanted[0], state_gate=False)

    def snapshot(self) -> contextlib.AbstractContextManager[Connection]:
        """A read-only snapshot for a fixed, short read made only of `Prepared` statements
        (the token check, the head publication, the plain customer read of
        :meth:`admitted_read_async`: tests/server/test_admitted_read.py runs each of its
        branches on it): on SQLite held straight on the driver
        (``store.engine.sqlite_snapshot``), else :meth:`read`. Not for other use cases'
        reads, whose rarer branches use SQLAlchemy Core (the snapshot refuses those
        loudly)."""
        if self.reads_inline:
            return sqlite_snapshot(self.engine)
        return self.read()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection (never waits for a writer's lock)."""
        with self.engine.connect().execution_options(readonly=True) as conn:
            yield conn

    def now(self) -> str:
        return to_timestamp(self.clock.now())

    def record(
        self,
        conn: Connection,
        *,
        action: str,
        target: str,
        purpose: str = "",
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit entry in ``conn``'s transaction (fails closed)."""
        entry = self.audit_entry(
            action=action,
            target=target,
            purpose=purpose,
            outcome=outcome,
            details=details,
        )
        self.record_entry(conn, entry)

    def sign_head(self, conn: Connection) -> None:
        audit.checkpoint(
            conn,
            self.keyring.signing_key,
            key_version=self.keyring.current_version("signing"),
            at=self.now(),
        )

    def public_key_pem(self) -> str:
        return public_pem(self.keyring.signing_key)

    # --- use cases (each lives in its own module) ----------------------------------------
    def import_table(self, table: Table, **options: Any) -> ImportReport:
        return imports.import_table(self, table, **options)

    def list_customers(
        self, *, limit: int = 50, offset: int = 0, purpose: str | None = None
    ) -> customers.CustomerList:
        return customers.list_customers(
            self, limit=limit, offset=offset, purpose=purpose
        )

    def show_customer(
        self,
        customer_id: int,
        *,
        reveal: bool = False,
        purpose: str | None = None,
        only: list[str] | None = None,
    ) -> CustomerView:
        return customers.show_customer(
            self, customer_id, reveal=reveal, purpose=purpose, only=only
        )

    def find_customers(
        self,
        by: str,
        value: str,
        *,
        purpose: str | None = None,
        limit: int | None = None,
    ) -> customers.CustomerList:
        return customers.find_customers(self, by, value, purpose=purpose, limit=limit)

    def update_field(
        self, customer_id: int, field: str, value: str, *, purpose: str
    ) -> dict[str, Any]:
        return customers.update_field(self, customer_id, field, value, purpose=purpose)

    def status(self) -> dict[str, Any]:
        with self.authorized_read(lambda conn: self.authorize(conn, action="report")):
            pass
        return customers.status(self)

    def audit_entries(self, *, since: str | None = None) -> list[AuditEntry]:
        """Audit entries (needs the audit-read action; the reading is itself audited)."""
        with self.write() as conn:
            self.authorize(conn, action="audit-read")
            found = list(audit.entries(conn, since_at=since))
            self.record(
                conn,
                action="audit-log-read",
                target="audit",
                details={"since": since, "entries": len(found)},
            )
        return found

    def verify_audit(self, *, expect: Iterable[str] = ()) -> AuditReport:
        """Verify the chain, checkpoints and anchors (needs audit-read; read-only).

        ``expect``: heads the log must contain (``SEQ:HASH`` or a document carrying one),
        besides the signed head file beside the vault."""
        wanted = [anchor.parse_expected(e) for e in expect]
        public = self.keyring.signing_key.public_key()
        with self.read() as conn:  # read-only: works on a read-only copy too
            try:
                self.authorize(conn, action="audit-read")
            except VaultError as refused:
                with contextlib.suppress(VaultError):  # a read-only copy cannot log it
                    self._audit_refusal(refused)
                raise
            vault_id = read_meta(conn, "vault_id") or ""
            head_file = anchor.read_head_file(self.settings.home, public, vault_id)
            report = verify_log(
                conn,
                public,
                anchors=[*wanted, *([head_file] if head_file else [])],
                strict_checkpoints=head_file is not None,
            )
        if head_file is None:
            report.warnings.append(
                f"No signed audit head file ({anchor.HEAD_FILE}) beside the vault: a "
                "truncated log is only caught with --expect-head"
            )
        return report

    def meta_value(self, key: str) -> str | None:
        with self.read() as conn:
            return read_meta(conn, key)


def _remove_partial_vault(settings: Settings, created_home: bool) -> None:
    """A failed ``init`` leaves nothing behind: no empty vault.db, no new directory."""
    if settings.db is not None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        (settings.home / f"vault.db{suffix}").unlink(missing_ok=True)
    if created_home:
        with contextlib.suppress(OSError):
            settings.home.rmdir()


def _passphrase(settings: Settings) -> str:
    if settings.passphrase is None or not settings.passphrase.reveal():
        raise ConfigError(
            "No vault passphrase: set PIPLVAULT_PASSPHRASE or run interactively"
        )
    return settings.passphrase.reveal()


def _where(settings: Settings) -> str:
    return str(settings.home) if settings.db is None else "the given database"
