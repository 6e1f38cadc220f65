"""One frozen Settings object: CLI flags > PIPLVAULT_* environment > piplvault.toml > defaults."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from piplvault.errors import ConfigError
from piplvault.io.private_files import write_private

CONFIG_FILE = "piplvault.toml"
#: Days after a backup epoch (month) ends before its key is destroyed, unless told.
DEFAULT_BACKUP_RETAIN_DAYS = 90
#: multiprocessing start methods a worker pool may use (``spawn`` is Windows' and macOS's).
START_METHODS = ("fork", "spawn", "forkserver")


class Secret:
    """A secret string whose repr and str are masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    home: Path = field(
        default=Path("piplvault-data"),
        metadata={"help": "Vault directory (PIPLVAULT_HOME)", "env": "PIPLVAULT_HOME"},
    )
    db: str | None = field(
        default=None,
        metadata={
            "help": "Database URL; default sqlite at HOME/vault.db (PIPLVAULT_DB)",
            "env": "PIPLVAULT_DB",
        },
    )
    passphrase: Secret | None = field(
        default=None,
        metadata={
            "help": "Vault passphrase (PIPLVAULT_PASSPHRASE)",
            "env": "PIPLVAULT_PASSPHRASE",
        },
    )
    user: str = field(
        default="owner",
        metadata={"help": "Acting user (PIPLVAULT_USER)", "env": "PIPLVAULT_USER"},
    )
    password: Secret | None = field(
        default=None,
        metadata={
            "help": "Password of the acting user (PIPLVAULT_PASSWORD)",
            "env": "PIPLVAULT_PASSWORD",
        },
    )
    token: Secret | None = field(
        default=None,
        metadata={
            "help": "API token of the acting user (PIPLVAULT_TOKEN)",
            "env": "PIPLVAULT_TOKEN",
        },
    )
    kdf_memory_kib: int = field(
        default=64 * 1024,
        metadata={
            "help": "Argon2id memory cost in KiB used at init (PIPLVAULT_KDF_MEMORY_KIB)",
            "env": "PIPLVAULT_KDF_MEMORY_KIB",
        },
    )
    company: str = field(
        default="本公司",
        metadata={
            "help": "The company's name used in notices and reports (PIPLVAULT_COMPANY)",
            "env": "PIPLVAULT_COMPANY",
        },
    )
    regulator_threshold: int = field(
        default=10_000_000,
        metadata={
            "help": "Persons at which a transfer or dissolution needs a regulator report "
            "(NDSMR Art. 32; PIPLVAULT_REGULATOR_THRESHOLD)",
            "env": "PIPLVAULT_REGULATOR_THRESHOLD",
        },
    )
    lang: str = field(
        default="zh",
        metadata={
            "help": "Display language: zh or en (PIPLVAULT_LANG)",
            "env": "PIPLVAULT_LANG",
        },
    )
    #: ``spawn`` by default: ``fork`` copies the threaded ``piplvault serve`` with whatever
    #: locks its other threads hold (a worker can then wait forever); ``forkserver`` listens
    #: on a Unix socket under ``TMPDIR``, which fails when that path is long (108 bytes).
    start_method: str = field(
        default="spawn",
        metadata={
            "help": "How import worker processes start: spawn, forkserver or fork "
            "(default: spawn; PIPLVAULT_START_METHOD)",
            "env": "PIPLVAULT_START_METHOD",
        },
    )

    rights_working_days: int | None = field(
        default=None,
        metadata={
            "help": "Working days (State Council calendar) to answer a rights request; "
            "default 15, the App-enforcement benchmark (PIPLVAULT_RIGHTS_WORKING_DAYS)",
            "env": "PIPLVAULT_RIGHTS_WORKING_DAYS",
        },
    )

    timezone: str = field(
        default="Asia/Shanghai",
        metadata={
            "help": "Time zone times are shown and printed in; stored times stay UTC "
            "(PIPLVAULT_TIMEZONE)",
            "env": "PIPLVAULT_TIMEZONE",
        },
    )
    incident_operator: str = field(
        default="other",
        metadata={
            "help": "Operator type for incident report clocks: other (4 h), cii (1 h) or "
            "state (2 h) (Incident Reporting Measures Art. 4; PIPLVAULT_INCIDENT_OPERATOR)",
            "env": "PIPLVAULT_INCIDENT_OPERATOR",
        },
    )
    incident_grades: str = field(
        default="1000000,10000000,100000000",
        metadata={
            "help": "Persons affected for a relatively major, major, particularly major "
            "incident (grading annex; PIPLVAULT_INCIDENT_GRADES)",
            "env": "PIPLVAULT_INCIDENT_GRADES",
        },
    )
    incident_summary_days: int = field(
        default=30,
        metadata={
            "help": "Days after handling ends for the incident summary report "
            "(R-INC-7-1; PIPLVAULT_INCIDENT_SUMMARY_DAYS)",
            "env": "PIPLVAULT_INCIDENT_SUMMARY_DAYS",
        },
    )
    crossborder_thresholds: str = field(
        default="100000,1000000,10000",
        metadata={
            "help": "Persons abroad since 1 January needing a contract/certification, a "
            "security assessment, and sensitive-PI persons needing an assessment "
            "(R-XB-1; PIPLVAULT_CROSSBORDER_THRESHOLDS)",
            "env": "PIPLVAULT_CROSSBORDER_THRESHOLDS",
        },
    )
    require_second_approver: bool = field(
        default=False,
        metadata={
            "help": "Destructive bulk operations (customers delete, retention apply, "
            "transfer complete, deregister shred/seal) need a second administrator's "
            "approval (PIPLVAULT_REQUIRE_SECOND_APPROVER)",
            "env": "PIPLVAULT_REQUIRE_SECOND_APPROVER",
        },
    )
    approval_ttl_hours: int = field(
        default=24,
        metadata={
            "help": "Hours an approval request, and then the approval, stays valid "
            "(PIPLVAULT_APPROVAL_TTL_HOURS)",
            "env": "PIPLVAULT_APPROVAL_TTL_HOURS",
        },
    )

    @property
    def database_url(self) -> str:
        return self.db or f"sqlite:///{self.home / 'vault.db'}"


def load_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Merge the sources in precedence order; fail naming the bad key or value."""
    env = os.environ if env is None else env
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    home = Path(given.get("home") or env.get("PIPLVAULT_HOME") or "piplvault-data")
    values: dict[str, Any] = _read_toml(home / CONFIG_FILE)
    for f in fields(Settings):
        var = f.metadata.get("env")
        if var and var in env and env[var] != "":
            values[f.name] = env[var]
    values.update(given)
    values["home"] = home
    return _build(values)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}") from exc
    known = {f.name for f in fields(Settings)} - {"passphrase", "password", "token"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; valid: {', '.join(sorted(known))}"
        )
    return dict(data)


def _build(values: dict[str, Any]) -> Settings:
    try:
        for name in (
            "kdf_memory_kib",
            "regulator_threshold",
            "rights_working_days",
            "incident_summary_days",
        ):
            if values.get(name) is not None:
                values[name] = int(values[name])
    except ValueError as exc:
        raise ConfigError(
            "Settings kdf_memory_kib, regulator_threshold, rights_working_days and "
            f"incident_summary_days must be whole numbers ({exc})"
        ) from exc
    days = values.get("rights_working_days")
    if days is not None and not 1 <= days <= 60:
        raise ConfigError(
            f"Setting rights_working_days must be 1..60 working days, got {days}"
        )
    _build_approvals(values)
    for secret in ("passphrase", "password", "token"):
        if values.get(secret) is not None and not isinstance(values[secret], Secret):
            values[secret] = Secret(str(values[secret]))
    if values.get("lang", "zh") not in ("zh", "en"):
        raise ConfigError(f"Setting lang must be 'zh' or 'en', got {values['lang']!r}")
    operator = values.get("incident_operator", "other")
    if operator not in ("other", "cii", "state"):
        raise ConfigError(
            f"Setting incident_operator must be other, cii or state, got {operator!r}"
        )
    method = values.get("start_method", "spawn")
    if method not in START_METHODS:
        raise ConfigError(
            f"Setting start_method must be one of {', '.join(START_METHODS)}, "
            f"got {method!r}"
        )
    if "timezone" in values:
        from piplvault.timefmt import zone

        zone(str(values["timezone"]))
    return Settings(**values)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _build_approvals(values: dict[str, Any]) -> None:
    """``require_second_approver`` (a bool or its text) and ``approval_ttl_hours`` (≥ 1)."""
    flag = values.get("require_second_approver")
    if flag is not None and not isinstance(flag, bool):
        text = str(flag).strip().lower()
        if text not in _TRUE + _FALSE:
            raise ConfigError(
                f"Setting require_second_approver must be true or false, got {flag!r}"
            )
        values["require_second_approver"] = text in _TRUE
    if "approval_ttl_hours" in values:
        try:
            hours = int(values["approval_ttl_hours"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                "Setting approval_ttl_hours must be a whole number of hours, got "
                f"{values['approval_ttl_hours']!r}"
            ) from exc
        if hours < 1:
            raise ConfigError(
                f"Setting approval_ttl_hours must be at least 1, got {hours}"
            )
        values["approval_ttl_hours"] = hours


def write_config(home: Path, db: str | None) -> None:
    """Record the database URL (without any password) next to the vault."""
    if db is None:
        return
    safe = db
    if "@" in db and ":" in db.split("://", 1)[1].split("@", 1)[0]:
        scheme, rest = db.split("://", 1)
        creds, host = rest.split("@", 1)
        safe = f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    write_private(home / CONFIG_FILE, f'db = "{safe}"\n')
