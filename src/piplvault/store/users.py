"""SQL for users and their API tokens (tables ``users`` and ``api_tokens``).

Passwords are stored only as Argon2id hashes and tokens only as SHA-256 digests; the
hashing and every check of them live in ``vault/policy.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from piplvault.store import reference
from piplvault.store.prepared import Prepared
from piplvault.store.schema import api_tokens, users


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRow:
    name: str
    role: str
    password_hash: str | None
    created_at: str
    disabled_at: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRow:
    id: str
    user: str
    token_hash: bytes
    created_at: str
    expires_at: str
    revoked_at: str | None


def load_user(conn: Connection, name: str) -> UserRow | None:
    def load() -> UserRow | None:
        row = _USER.first(conn, name=name)
        return None if row is None else _user(row)

    return reference.kept(conn, ("user", name), load)


_USER = Prepared(select(users).where(users.c.name == bindparam("name")))


def has_user(conn: Connection, name: str) -> bool:
    query = select(users.c.name).where(users.c.name == name)
    return conn.execute(query).first() is not None


def list_users(conn: Connection) -> list[UserRow]:
    """Every user, by name."""
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]


def insert_user(
    conn: Connection, *, name: str, role: str, password_hash: str, created_at: str
) -> None:
    conn.execute(
        insert(users).values(
            name=name, role=role, password_hash=password_hash, created_at=created_at
        )
    )


def set_disabled(conn: Connection, name: str, *, at: str) -> None:
    conn.execute(update(users).where(users.c.name == name).values(disabled_at=at))


def set_password_hash(conn: Connection, name: str, password_hash: str) -> None:
    conn.execute(
        update(users).where(users.c.name == name).values(password_hash=password_hash)
    )


def insert_token(
    conn: Connection,
    *,
    token_id: str,
    user: str,
    token_hash: bytes,
    created_at: str,
    expires_at: str,
) -> None:
    conn.execute(
        insert(api_tokens).values(
            id=token_id,
            user=user,
            token_hash=token_hash,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def load_token(conn: Connection, token_id: str) -> TokenRow | None:
    row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
    if row is None:
        return None
    return TokenRow(
        id=str(row.id),
        user=str(row.user),
        token_hash=bytes(row.token_hash),
        created_at=str(row.created_at),
        expires_at=str(row.expires_at),
        revoked_at=row.revoked_at,
    )


def revoke_token(
    conn: Connection, token_id: str, *, at: str, user: str | None = None
) -> None:
    """Mark the token revoked (only if it is ``user``'s, when ``user`` is given)."""
    query = update(api_tokens).where(api_tokens.c.id == token_id)
    if user is not None:
        query = query.where(api_tokens.c.user == user)
    conn.execute(query.values(revoked_at=at))


def revoke_user_tokens(conn: Connection, user: str, *, at: str) -> None:
    """Revoke every token of ``user`` not yet revoked."""
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.user == user, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def _user(row: Any) -> UserRow:
    return UserRow(
        name=str(row.name),
        role=str(row.role),
        password_hash=row.password_hash,
        created_at=str(row.created_at),
        disabled_at=row.disabled_at,
    )


def token_with_holder(conn: Connection, token_id: str) -> Any | None:
    """A token and its user in one query (``name``/``disabled_at`` None if no such user):
    what the server checks on every request. Kept while the reference stamp stays
    (``store/reference.py``: any change to ``api_tokens`` or ``users`` changes it); an
    unknown id is read again each time."""
    return reference.kept(
        conn,
        ("token_with_holder", token_id),
        lambda: _TOKEN_WITH_HOLDER.first(conn, token_id=token_id),
        keep_none=False,
    )


_TOKEN_WITH_HOLDER = Prepared(
    select(
        api_tokens.c.user,
        api_tokens.c.revoked_at,
        api_tokens.c.expires_at,
        api_tokens.c.token_hash,
        users.c.name,
        users.c.disabled_at,
    )
    .select_from(api_tokens.outerjoin(users, users.c.name == api_tokens.c.user))
    .where(api_tokens.c.id == bindparam("token_id"))
)
