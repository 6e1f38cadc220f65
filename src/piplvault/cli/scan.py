"""``piplvault scan`` — owned by the discovery engine (issue 3)."""

from __future__ import annotations
