"""`Session`: one authenticated person's view of an open (unsealed) `Vault`.

The server opens the vault once (one `Vault` per process: keys, store, clock, settings) and
builds a `Session` per request from the credentials presented at the door. A session shares
the vault's engine and keys but carries its own actor, so every use case it runs authorizes
and audits that person — never whoever happens to hold the passphrase.
"""

from __future__ import annotations

from piplvault.errors import AuthenticationError
from piplvault.vault import policy
from piplvault.vault.service import Vault


class Session(Vault):
    """A vault view for one authenticated actor; closing it leaves the vault open."""

    mode = "server"

    def close(self) -> None:
        """End the session; the server's vault (engine, keys) stays open."""


def open_session(vault: Vault, actor: str) -> Session:
    """A per-request view of ``vault`` acting as ``actor`` (already authenticated).

    Roles are re-read so that an edited ``policy.toml`` applies on the next request.
    """
    if vault.keyring is None:
        raise AuthenticationError("The vault is sealed; the owner must unseal it")
    view = Session.__new__(Session)
    view.__dict__.update(vault.__dict__)
    view.actor = actor
    view.roles = policy.load_roles(vault.settings.home)
    return view


def authenticate(
    vault: Vault, name: str, *, password: str | None = None, token: str | None = None
) -> Session:
    """Check ``name``'s own password or token (audited on failure) and open a session.

    Disabled users and revoked or expired tokens fail here, on the very next request.
    """
    try:
        actor = policy.check_credentials(vault, name, password=password, token=token)
    except AuthenticationError as error:
        _audit_failed_login(vault, name, error)
        raise
    return open_session(vault, actor)


def authenticate_token(vault: Vault, token: str) -> Session:
    """The session of a Bearer token's user (one query; refusals audited as above)."""
    name, refusal = policy.token_actor(vault, token)
    if name is None:
        raise AuthenticationError(refusal or "Malformed API token")
    if refusal is not None:
        error = AuthenticationError(refusal)
        _audit_failed_login(vault, name, error)
        raise error
    return open_session(vault, name)


def _audit_failed_login(vault: Vault, name: str, error: AuthenticationError) -> None:
    with vault.write() as conn:
        vault.record(
            conn,
            action="login-failed",
            target=f"user:{name}",
            outcome="denied",
            details={"reason": error.message, "via": "server"},
        )
