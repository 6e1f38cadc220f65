"""Whether the vault still accepts new personal information or any write at all.

A deregistration (注销) puts the vault in *winding down* at its first step: no import, no new
customer (GB/T 35273-2020 clause 6.4, R-GB35273-6.4-1). Once the named custodian has signed
for the retained package the vault is *sealed*: read-only, every write refused
(R-CO-I2-18-1). Reads, reports and audit-log reads keep working (and are still audited).

:func:`ensure_open` is the one check; ``policy.authorize`` (the choke point every use case
passes) calls it after the policy decision.
"""

from __future__ import annotations

from piplvault.errors import VaultClosedError
from piplvault.store.cases import latest_case_id
from piplvault.store.engine import Connection
from piplvault.store.meta import read_meta

#: Actions a sealed vault still allows: they read, they do not change personal data.
READ_ACTIONS = frozenset({"read-masked", "reveal", "export", "audit-read", "report"})
#: Actions that bring new personal information in; refused while winding down.
COLLECT_ACTIONS = frozenset({"import"})


def vault_state(conn: Connection) -> str:
    """``active``, ``winding-down`` or ``sealed``."""
    return read_meta(conn, "state") or "active"


def ensure_open(conn: Connection, action: str = "import") -> None:
    """Raise VaultClosedError when ``action`` is not allowed in the vault's state."""
    state = vault_state(conn)
    if state == "sealed" and action not in READ_ACTIONS:
        raise VaultClosedError(
            f"The vault is sealed after deregistration ({_case(conn)}); it is read-only "
            f"and '{action}' is refused. Reads, reports and 'piplvault audit verify' "
            "still work."
        )
    if state == "winding-down" and action in COLLECT_ACTIONS:
        raise VaultClosedError(
            f"The vault is winding down for deregistration ({_case(conn)}): no new "
            f"personal information may be collected, so '{action}' is refused — during "
            "liquidation no business unrelated to it (Company Law Art. 236(3); "
            "GB/T 35273-2020 clause 6.4)."
        )


def _case(conn: Connection) -> str:
    case_id = latest_case_id(conn, "deregistration")
    return f"case {case_id}" if case_id is not None else "no case recorded"
