"""Users, API tokens and data-protection training records (PIPL Art. 51)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from piplvault.errors import NotFoundError, ValidationError, VaultExistsError
from piplvault.store import tokens, training, users
from piplvault.store.engine import Connection
from piplvault.vault import policy

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


def add_user(vault: Vault, name: str, role: str, password: str) -> dict[str, Any]:
    """Create a user with a role; the password is stored only as an Argon2id hash."""
    if role not in vault.roles:
        raise ValidationError(
            f"Unknown role '{role}'; roles: {', '.join(sorted(vault.roles))}"
        )
    if not name or len(name) > 128 or any(c.isspace() for c in name):
        raise ValidationError("A user name needs 1-128 characters and no spaces")
    digest = policy.hash_password(password)
    with vault.write() as conn:
        vault.authorize(conn, action="manage-users")
        if users.has_user(conn, name):
            raise VaultExistsError(f"User '{name}' already exists")
        users.insert_user(
            conn, name=name, role=role, password_hash=digest, created_at=vault.now()
        )
        vault.record(
            conn, action="user-added", target=f"user:{name}", details={"role": role}
        )
    return {"name": name, "role": role}


def list_users(vault: Vault) -> list[dict[str, Any]]:
    with vault.write() as conn:
        vault.authorize(conn, action="manage-users")
        rows = users.list_users(conn)
        out = []
        for r in rows:
            defined = r.role in vault.roles  # a role removed from policy.toml: listed
            until = (
                policy.load_actor(vault, conn, r.name).training_valid_until
                if defined
                else None
            )
            out.append(
                {
                    "name": r.name,
                    "role": r.role if defined else f"{r.role} (undefined)",
                    "created_at": r.created_at,
                    "disabled_at": r.disabled_at,
                    "training_valid_until": until.isoformat() if until else None,
                }
            )
        vault.record(conn, action="users-listed", target="users")
    return out


def disable_user(vault: Vault, name: str) -> dict[str, Any]:
    if name == policy.OWNER:
        raise ValidationError("The local owner cannot be disabled")
    with vault.write() as conn:
        vault.authorize(conn, action="manage-users")
        _require_user(conn, name)
        now = vault.now()
        users.set_disabled(conn, name, at=now)
        users.revoke_user_tokens(conn, name, at=now)
        vault.record(conn, action="user-disabled", target=f"user:{name}")
    return {"name": name, "disabled_at": now}


def issue_token(vault: Vault, name: str, days: int = 90) -> dict[str, Any]:
    """A new API token for ``name``, shown once; only its SHA-256 is stored."""
    if not 1 <= days <= 3650:
        raise ValidationError("The days must be between 1 and 3650", field="days")
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    expires = vault.clock.now() + dt.timedelta(days=days)
    expires_at = expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with vault.write() as conn:
        vault.authorize(conn, action="manage-users")
        _require_user(conn, name)
        users.insert_token(
            conn,
            token_id=token_id,
            user=name,
            token_hash=policy.token_digest(secret),
            created_at=vault.now(),
            expires_at=expires_at,
        )
        vault.record(
            conn,
            action="token-issued",
            target=f"user:{name}",
            details={"token_id": token_id, "expires_at": expires_at},
        )
    return {
        "user": name,
        "token_id": token_id,
        "token": f"pvt_{token_id}_{secret}",
        "expires_at": expires_at,
    }


def revoke_token(vault: Vault, token_id: str) -> dict[str, Any]:
    with vault.write() as conn:
        vault.authorize(conn, action="manage-users")
        row = users.load_token(conn, token_id)
        if row is None:
            raise NotFoundError(f"No token with id '{token_id}'")
        users.revoke_token(conn, token_id, at=vault.now())
        vault.record(
            conn,
            action="token-revoked",
            target=f"user:{row.user}",
            details={"token_id": token_id},
        )
    return {"token_id": token_id, "revoked": True}


def list_tokens(vault: Vault) -> list[dict[str, Any]]:
    """Every API token: its id, user, dates (never the secret, which is not stored)."""
    with vault.write() as conn:
        vault.authorize(conn, action="manage-users")
        found = tokens.list_tokens(conn)
        vault.record(conn, action="tokens-listed", target="users")
    now = vault.now()
    return [
        {
            "token_id": t.token_id,
            "user": t.user,
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "revoked_at": t.revoked_at,
            "live": t.revoked_at is None and t.expires_at > now,
        }
        for t in found
    ]


def record_training(
    vault: Vault, name: str, course: str, *, score: int, valid_days: int
) -> dict[str, Any]:
    """Record a completed course; a score under the pass mark does not count."""
    if not course.strip():
        raise ValidationError("A training record needs a course name")
    if not 0 <= score <= 100:
        raise ValidationError("The score must be between 0 and 100", field="score")
    if not 1 <= valid_days <= 3650:
        raise ValidationError(
            "The validity must be between 1 and 3650 days", field="valid_days"
        )
    today = vault.clock.now().date()
    until = today + dt.timedelta(days=valid_days)
    with vault.write() as conn:
        vault.authorize(conn, action="manage-users")
        _require_user(conn, name)
        training.insert_training(
            conn,
            user=name,
            course=course,
            score=score,
            completed_at=vault.now(),
            valid_until=until.isoformat(),
            recorded_by=vault.actor,
        )
        vault.record(
            conn,
            action="training-recorded",
            target=f"user:{name}",
            details={
                "course": course,
                "score": score,
                "valid_until": until.isoformat(),
                "passed": score >= policy.PASS_MARK,
            },
        )
    return {
        "user": name,
        "course": course,
        "score": score,
        "passed": score >= policy.PASS_MARK,
        "valid_until": until.isoformat(),
    }


def list_training(vault: Vault, name: str | None = None) -> list[dict[str, Any]]:
    with vault.write() as conn:
        vault.authorize(conn, action="manage-users")
        rows = [
            {
                "user": r.user,
                "course": r.course,
                "score": r.score,
                "completed_at": r.completed_at,
                "valid_until": r.valid_until,
                "passed": r.score >= policy.PASS_MARK,
                "current": r.score >= policy.PASS_MARK
                and r.valid_until >= vault.clock.now().date().isoformat(),
            }
            for r in training.list_training(conn, name)
        ]
        vault.record(conn, action="training-listed", target=f"user:{name or '*'}")
    return rows


def _require_user(conn: Connection, name: str) -> None:
    if not users.has_user(conn, name):
        raise NotFoundError(f"No user named '{name}'")


# --- the person's own credentials (server sessions) ----------------------------------------


def issue_own_token(vault: Vault, hours: int = 12) -> dict[str, Any]:
    """A short-lived token for the authenticated actor (``piplvault login``), shown once."""
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    expires = vault.clock.now() + dt.timedelta(hours=hours)
    expires_at = expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with vault.write() as conn:
        users.insert_token(
            conn,
            token_id=token_id,
            user=vault.actor,
            token_hash=policy.token_digest(secret),
            created_at=vault.now(),
            expires_at=expires_at,
        )
        vault.record(
            conn,
            action="login",
            target=f"user:{vault.actor}",
            details={"token_id": token_id, "expires_at": expires_at},
        )
    return {
        "user": vault.actor,
        "token_id": token_id,
        "token": f"pvt_{token_id}_{secret}",
        "expires_at": expires_at,
    }


def revoke_own_token(vault: Vault, token: str) -> dict[str, Any]:
    """``piplvault logout``: revoke the token the actor is using."""
    token_id = policy.token_owner(token)
    if token_id is None:
        raise ValidationError("Log out needs the Bearer token of this session")
    with vault.write() as conn:
        users.revoke_token(conn, token_id, at=vault.now(), user=vault.actor)
        vault.record(
            conn,
            action="logout",
            target=f"user:{vault.actor}",
            details={"token_id": token_id},
        )
    return {"user": vault.actor, "token_id": token_id, "revoked": True}


def whoami(vault: Vault) -> dict[str, Any]:
    with vault.read() as conn:
        actor = policy.load_actor(vault, conn)
    until = actor.training_valid_until
    return {
        "user": actor.name,
        "role": actor.role.name,
        "mode": vault.mode,
        "training_valid_until": until.isoformat() if until else None,
    }


def require_admin(vault: Vault, *, action: str) -> None:
    """Server-wide operations (seal) need the manage-keys right (admins)."""
    with vault.write() as conn:
        vault.authorize(conn, action="manage-keys")
        vault.record(conn, action=f"server-{action}", target="server")


def set_password(vault: Vault, name: str, password: str) -> dict[str, Any]:
    """Set ``name``'s password: an admin for anyone, every user for themselves."""
    digest = policy.hash_password(password)
    with vault.write() as conn:
        if name != vault.actor:
            vault.authorize(conn, action="manage-users")
        _require_user(conn, name)
        users.set_password_hash(conn, name, digest)
        vault.record(conn, action="password-set", target=f"user:{name}")
    return {"name": name, "password_set": True}
