"""The database schema (SQLAlchemy Core). Migrations in ``store/migrations`` create it.

No column ever holds a plaintext personal value: field values live in ``customers.data`` as
per-field AES-256-GCM ciphertexts, lookups go through HMAC tags in ``blind_index``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

vault_keys = Table(
    "vault_keys",
    metadata,
    Column("purpose", String(16), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("blob", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("retired_at", String(32)),
)

fields = Table(
    "fields",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("label", String(256), nullable=False),
    Column("entity", String(32)),
    Column("kind", String(16), nullable=False),
    Column("sensitivity", String(16)),
    Column("grade", Integer, nullable=False),
    Column("category", String(32), nullable=False),
    Column("created_at", String(32), nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("flags", Text, nullable=False, server_default=""),
    #: MAC over (id, data) under a vault key (migration 0006; vault.records.check_record)
    Column("mac", LargeBinary),
    #: the sorted names of the fields ``data`` holds (already plaintext in it), for the
    #: set-based dashboard counts (migration 0011; store.customer_counts)
    Column("field_keys", Text),
    Index("ix_customers_kind_field_keys", "kind", "field_keys", "created_at"),
    sqlite_autoincrement=True,  # ids are never reused (migration 0006; store.customer_ids)
)

customer_keys = Table(
    "customer_keys",
    metadata,
    Column(
        "customer_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kek_version", Integer, nullable=False),
    Column("dek_version", Integer, nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
)

field_history = Table(
    "field_history",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column(
        "customer_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("field", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("superseded_at", String(32), nullable=False),
    Index("ix_field_history_customer", "customer_id", "field"),
)

blind_index = Table(
    "blind_index",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("tag", LargeBinary, primary_key=True),
    Column(
        "customer_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    #: MAC over (kind, tag, customer_id) (migration 0006; vault.records.check_index_rows)
    Column("mac", LargeBinary),
    Index("ix_blind_index_customer", "customer_id"),
    sqlite_with_rowid=False,  # the primary key is the table: one B-tree fewer per insert
)

audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("at", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(256), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("hash", String(64), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("at", String(32), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("hash", String(64), nullable=False),
)

# --- policy: users, tokens, purposes, consents, training (migration 0002) ----------------

users = Table(
    "users",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("role", String(64), nullable=False),
    Column("password_hash", Text),
    Column("created_at", String(32), nullable=False),
    Column("disabled_at", String(32)),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user", String(128), ForeignKey("users.name"), nullable=False),
    Column("token_hash", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

purposes = Table(
    "purposes",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("name_zh", String(128), nullable=False),
    Column("basis", String(32), nullable=False),
    Column("necessity", Text, nullable=False, server_default=""),
    Column("created_at", String(32), nullable=False),
)

customer_purposes = Table(
    "customer_purposes",
    metadata,
    Column(
        "customer_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("purpose", String(64), primary_key=True),
    Column("source", String(256), nullable=False),
    Column("at", String(32), nullable=False),
)

consents = Table(
    "consents",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column(
        "customer_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("purpose", String(64), nullable=False),
    Column("basis", String(32), nullable=False),
    Column("granted_at", String(32), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("notice_version", String(255), nullable=False),
    Column("operator", String(128), nullable=False),
    Column("separate", String(128), nullable=False, server_default=""),
    Column("guardian", Integer, nullable=False, server_default="0"),
    Column("withdrawn_at", String(32)),
    Column("withdraw_channel", String(64)),
    Index("ix_consents_customer_purpose", "customer_id", "purpose"),
)

training = Table(
    "training",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("user", String(128), ForeignKey("users.name"), nullable=False),
    Column("course", String(128), nullable=False),
    Column("score", Integer, nullable=False),
    Column("completed_at", String(32), nullable=False),
    Column("valid_until", String(10), nullable=False),
    Column("recorded_by", String(128), nullable=False),
)

# --- lifecycle: retention facts, legal holds, shred journal, certificates, backups (0003) --

_ID = BigInteger().with_variant(Integer, "sqlite")

customer_lifecycle = Table(
    "customer_lifecycle",
    metadata,
    Column(
        "customer_id",
        _ID,
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("relationship_ended_on", String(10)),
    Column("last_transaction_on", String(10)),
    Column("restricted_at", String(32)),
    Column("restricted_until", String(10)),
    Column("restricted_rules", Text, nullable=False, server_default=""),
)

legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("customer_id", _ID, nullable=False),
    Column("reason", Text, nullable=False),
    Column("basis", Text, nullable=False, server_default=""),
    Column("placed_at", String(32), nullable=False),
    Column("placed_by", String(128), nullable=False),
    Column("ends_on", String(10)),
    Column("lifted_at", String(32)),
    Column("lifted_by", String(128)),
    Column("lift_reason", Text),
    Index("ix_legal_holds_customer", "customer_id"),
)

#: Kept forever, replayed on every restore: customer ids, times and reasons only.
shred_journal = Table(
    "shred_journal",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("customer_id", _ID, nullable=False),
    Column("at", String(32), nullable=False),
    Column("run_id", String(32), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("fields", Text, nullable=False, server_default=""),
    Column("reason", Text, nullable=False),
    #: the shredded customer's created_at: replay deletes only that customer (migration 0006)
    Column("customer_created", String(32), nullable=False, server_default=""),
    Index("ix_shred_journal_customer", "customer_id"),
)

destruction_runs = Table(
    "destruction_runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("customers", Integer, nullable=False),
    Column("certificate", Text, nullable=False),
    Column("certificate_sha256", String(64), nullable=False),
)

#: Backup-epoch keys wrap the customer key store inside backup files. Never backed up.
backup_epochs = Table(
    "backup_epochs",
    metadata,
    Column("epoch_id", String(32), primary_key=True),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("kek_version", Integer),
    Column("key_blob", LargeBinary),
    Column("destroyed_at", String(32)),
)

backups = Table(
    "backups",
    metadata,
    Column("backup_id", String(32), primary_key=True),
    Column("epoch_id", String(32), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("pruned_at", String(32)),
)

# --- corporate-event cases: transfer, deregistration, address change (migration 0004) ----

cases = Table(
    "cases",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("state", String(24), nullable=False),
    Column("deal", String(32), nullable=False, server_default=""),
    Column("mode", String(24), nullable=False, server_default=""),
    Column("party", Text, nullable=False, server_default="{}"),
    Column("purposes", Text, nullable=False, server_default=""),
    Column("details", Text, nullable=False, server_default="{}"),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

case_customers = Table(
    "case_customers",
    metadata,
    # no foreign key: the record of who was notified outlives the customer's shredding
    Column("case_id", String(16), ForeignKey("cases.id"), primary_key=True),
    Column(
        "customer_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    ),
    Column("included", Integer, nullable=False),
    Column("reason", String(64), nullable=False, server_default=""),
    Column("notice", String(16), nullable=False, server_default="none"),
    Column("notice_at", String(32)),
    Column("notice_reference", String(256)),
    Column("objected_at", String(32)),
    Column("must_keep", Integer, nullable=False, server_default="0"),
    Column("keep_until", String(10)),
    Column("statute", Text, nullable=False, server_default=""),
    Column("creditor", Integer, nullable=False, server_default="0"),
    Column("settled_at", String(32)),
    # migration 0005 (deregistration): the retention split per customer, comma-separated
    Column("keep_categories", Text, nullable=False, server_default=""),
    Column("destroy_categories", Text, nullable=False, server_default=""),
    # migration 0006: the customer's created_at, so a link never follows a reused id
    Column("customer_created", String(32), nullable=False, server_default=""),
)

# --- individuals' rights requests, PIPL Arts. 44-50 (migration 0007) ---------------------

rights_requests = Table(
    "rights_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # no foreign key: the request record outlives the customer's shredding (evidence)
    Column("customer_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("customer_created", String(32), nullable=False, server_default=""),
    Column("kind", String(24), nullable=False),
    Column("wants", String(24), nullable=False, server_default=""),
    Column("state", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("due_on", String(10), nullable=False),
    Column("due_source", Text, nullable=False, server_default=""),
    Column("identity_method", String(24), nullable=False, server_default=""),
    Column("verified_at", String(32)),
    Column("verified_by", String(64)),
    Column("extended_to", String(10)),
    Column("extension_reason", Text),
    # who asked and their evidence: AES-GCM under the customer's data key, never plaintext
    Column("requester", LargeBinary),
    Column("details", Text, nullable=False, server_default="{}"),
    Column("outcome", Text, nullable=False, server_default="{}"),
    Column("refusal_ground", String(48)),
    Column("opened_by", String(64), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("closed_at", String(32)),
    Index("ix_rights_requests_customer", "customer_id"),
    Index("ix_rights_requests_state", "state"),
)


# --- migration 0008: incidents (PIPL Art. 57) and sharing / cross-border (Arts. 23, 38-39)
# No plaintext personal data: descriptions are the operator's words about the incident;
# people are referred to by customer id only (no foreign key: the record outlives shredding).

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("found_at", String(32), nullable=False),
    Column("source", String(64), nullable=False),
    Column("categories", Text, nullable=False, server_default=""),
    Column("grade", String(32), nullable=False, server_default="general"),
    Column("affected", Integer, nullable=False, server_default="0"),
    Column("details", Text, nullable=False, server_default="{}"),
    Column("opened_at", String(32), nullable=False),
    Column("opened_by", String(128), nullable=False),
    Column("closed_at", String(32)),
)

incident_affected = Table(
    "incident_affected",
    metadata,
    Column("incident_id", String(16), ForeignKey("incidents.id"), primary_key=True),
    Column(
        "customer_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    ),
    Column("sensitive", Integer, nullable=False, server_default="0"),
    Column("notice", String(16), nullable=False, server_default="none"),
)

drills = Table(
    "drills",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("held_on", String(10), nullable=False),
    Column("scenario", Text, nullable=False),
    Column("findings", Text, nullable=False),
    Column("plan_version", String(64), nullable=False, server_default=""),
    Column("recorded_at", String(32), nullable=False),
    Column("recorded_by", String(128), nullable=False),
)

recipients = Table(
    "recipients",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("identifier", String(128), nullable=False),
    Column("contact", Text, nullable=False),
    Column("country", String(8), nullable=False),
    Column("contract", Text, nullable=False),
    Column("purposes", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("details", Text, nullable=False, server_default="{}"),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(128), nullable=False),
)

share_exports = Table(
    "share_exports",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("recipient_id", String(16), ForeignKey("recipients.id"), nullable=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("customers", Integer, nullable=False),
    Column("fields", Text, nullable=False),
    Column("cross_border", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
)

share_export_customers = Table(
    "share_export_customers",
    metadata,
    Column(
        "export_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("share_exports.id"),
        primary_key=True,
    ),
    Column(
        "customer_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    ),
    Column("sensitive", Integer, nullable=False),
)


# --- second approver for destructive bulk operations (migration 0009) ---------------------

approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # customers-delete, retention-apply, transfer-complete, deregister-shred, …
    Column("operation", String(32), nullable=False),
    # SHA-256 of the canonical JSON of the operation's exact parameters
    Column("params_sha256", String(64), nullable=False),
    # what the approver is shown: counts, case ids, dates (never a personal value)
    Column("summary", Text, nullable=False, server_default="{}"),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    # pending → approved | rejected; approved → used (once)
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("decided_by", String(64)),
    Column("decided_at", String(32)),
    Column("note", Text, nullable=False, server_default=""),
    Column("used_at", String(32)),
    Column("used_run", String(64)),
)
