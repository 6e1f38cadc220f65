"""The id of the request being served, carried into every audit entry it writes.

The server sets it per HTTP request (``X-Request-Id``, given or generated); outside a
request it is unset and entries carry none.
"""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("piplvault_request_id", default=None)
