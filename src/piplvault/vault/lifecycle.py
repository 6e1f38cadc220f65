"""Where the lifecycle use cases used to live, split by concept (issue #11 item 7):

* ``vault/retention.py`` — the schedule, retention facts, the plan;
* ``vault/legal_holds.py`` — legal holds;
* ``vault/destruction.py`` — deleting customers, applying the retention schedule;
* ``vault/shred_run.py`` — one destruction run and its signed certificate;
* ``vault/restriction.py`` — restricting a customer a statute keeps;
* ``vault/certificates.py`` — past runs and their certificates;
* SQL in ``store/retention.py``, ``store/shred.py``, ``store/restriction.py``,
  ``store/destruction_runs.py``.

The names below are re-exported for vault modules that still import them from here.
"""

from __future__ import annotations

from piplvault.store.shred import CUSTOMER_TABLES, insert_many_ids
from piplvault.vault.certificates import certificate_json
from piplvault.vault.destruction import apply_retention, delete_customers
from piplvault.vault.retention import (
    customer_plan,
    load_schedule,
    plans_in,
    retention_plan,
    schedule_text,
)
from piplvault.vault.shred_run import destroy as _destroy
from piplvault.vault.shred_run import write_run as _write_run

__all__ = [
    "CUSTOMER_TABLES",
    "_destroy",
    "_write_run",
    "apply_retention",
    "certificate_json",
    "customer_plan",
    "delete_customers",
    "insert_many_ids",
    "load_schedule",
    "plans_in",
    "retention_plan",
    "schedule_text",
]
