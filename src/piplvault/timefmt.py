"""Showing stored UTC times in the operator's time zone (default Asia/Shanghai).

Everything is stored in UTC (ISO 8601 with ``Z`` or ``+00:00``); only what people read is
converted. ``PIPLVAULT_TIMEZONE`` (setting ``timezone``) picks the zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from piplvault.errors import ConfigError

DEFAULT_TIMEZONE = "Asia/Shanghai"


def zone(name: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    """The time zone called ``name``; ConfigError naming the setting if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"Setting timezone: unknown time zone {name!r}; use an IANA name such as "
            f"{DEFAULT_TIMEZONE}"
        ) from exc


def parse_utc(value: str | dt.datetime) -> dt.datetime | None:
    """A timezone-aware datetime for a stored timestamp (naive values are UTC)."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(
                str(value).strip().replace("Z", "+00:00")
            )
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def local_time(value: str | dt.datetime, tz: str = DEFAULT_TIMEZONE) -> str:
    """``2026-11-30 05:45:03`` in ``tz``; the value unchanged if it is not a timestamp."""
    moment = parse_utc(value)
    if moment is None:
        return str(value)
    return moment.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M:%S")


def zh_datetime(value: str | dt.datetime, tz: str = DEFAULT_TIMEZONE) -> str:
    """``2026年11月30日 05:45（北京时间）`` for documents; dates stay dates."""
    text = str(value).strip()
    if len(text) == 10:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return text
        return zh_date(day)
    moment = parse_utc(value)
    if moment is None:
        return text
    local = moment.astimezone(zone(tz))
    suffix = "（北京时间）" if tz == DEFAULT_TIMEZONE else f"（{tz}）"
    return f"{zh_date(local.date())} {local:%H:%M}{suffix}"


def zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def zone_label(tz: str = DEFAULT_TIMEZONE) -> str:
    """A column-header label: ``北京时间`` or the IANA name."""
    return "北京时间" if tz == DEFAULT_TIMEZONE else tz
