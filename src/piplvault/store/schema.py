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
