"""SQL for listing API tokens (table ``api_tokens``): ids, owners and dates only — the
secret is never stored (only its SHA-256), so it cannot be listed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from piplvault.store.schema import api_tokens


@dataclass(frozen=True, slots=True)
class TokenInfo:
    token_id: str
    user: str
    created_at: str
    expires_at: str
    revoked_at: str | None


def list_tokens(conn: Connection) -> list[TokenInfo]:
    """Every token, oldest first."""
    rows = conn.execute(
        select(
            api_tokens.c.id,
            api_tokens.c.user,
            api_tokens.c.created_at,
            api_tokens.c.expires_at,
            api_tokens.c.revoked_at,
        ).order_by(api_tokens.c.created_at, api_tokens.c.id)
    ).all()
    return [
        TokenInfo(
            token_id=str(r.id),
            user=str(r.user),
            created_at=str(r.created_at),
            expires_at=str(r.expires_at),
            revoked_at=None if r.revoked_at is None else str(r.revoked_at),
        )
        for r in rows
    ]
