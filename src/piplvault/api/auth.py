"""Who is asking: credentials at the door → an authenticated `Session`.

``Authorization: Bearer pvt_…`` (an API token, e.g. from ``piplvault login``) or
``Authorization: Basic base64(user:password)``. Nothing else is accepted: the server never
takes the vault passphrase from a request, and no request can name an actor it has not
proved to be.
"""

from __future__ import annotations

import base64
import binascii

from piplvault.errors import AuthenticationError, VaultSealedError
from piplvault.store.engine import Connection
from piplvault.vault import policy
from piplvault.vault.service import Vault
from piplvault.vault.session import (
    Session,
    authenticate,
    authenticate_token,
    open_session,
)


def valid_token_session(
    vault: Vault, header: str | None, conn: Connection | None = None
) -> Session | None:
    """The session of a valid, current Bearer token (one read, nothing written; in
    ``conn``, the request's own read snapshot, if given); None for anything else, which
    :func:`session_from_header` then decides and audits."""
    if vault.keyring.sealed or not header:
        return None
    scheme, value = _credentials(header)
    if scheme != "bearer":
        return None
    name, refusal = policy.token_actor(vault, value, conn)
    if name is None or refusal is not None:
        return None
    return open_session(vault, name)


def session_from_header(vault: Vault, header: str | None) -> Session:
    """The session for an ``Authorization`` header; AuthenticationError (401) otherwise."""
    if vault.keyring.sealed:
        raise VaultSealedError(
            "The vault is sealed; the owner must restart 'piplvault serve'"
        )
    if not header:
        raise AuthenticationError(
            "Log in first: 'piplvault login' (or give PIPLVAULT_TOKEN / PIPLVAULT_PASSWORD)"
        )
    scheme, value = _credentials(header)
    if scheme == "bearer":
        return authenticate_token(vault, value)
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthenticationError("Malformed Basic credentials") from exc
        user, sep, password = decoded.partition(":")
        if not sep or not user:
            raise AuthenticationError(
                "Malformed Basic credentials (need user:password)"
            )
        return authenticate(vault, user, password=password)
    raise AuthenticationError("Unsupported authorization scheme; use Bearer or Basic")


def _credentials(header: str) -> tuple[str, str]:
    """An ``Authorization`` header as (scheme in lower case, credentials)."""
    scheme, _, value = header.partition(" ")
    return scheme.lower(), value.strip()
