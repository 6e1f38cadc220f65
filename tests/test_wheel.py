"""The built wheel works outside the checkout (issue 9.4).

Builds the wheel from a copy of the sources, installs it into a fresh virtual environment in
a temporary directory (its dependencies come from the test run's own locked environment
through a ``.pth`` line, so nothing is downloaded), and runs the commands a new user runs
first — ``init``, ``scan``, ``import``, ``transfer notices`` through a ``piplvault serve`` it
starts, ``customers delete`` and ``certificate verify`` — from a directory outside the
checkout. A package-data file missing from the wheel (the notice templates were, once)
fails here with the error the user would see.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLES, ROOT, TEST_ENV

pytestmark = pytest.mark.slow

#: Files the installed package reads at run time; each must be inside the wheel.
RUNTIME_DATA = (
    "piplvault/documents/templates/notices/letters.html",
    "piplvault/documents/templates/notices/transfer-letter.zh-CN.html",
    "piplvault/documents/templates/notices/transfer-sms.en.txt",
    "piplvault/documents/templates/destruction-certificate.zh-CN.html",
    "piplvault/documents/templates/closing-report.en.html",
    "piplvault/discovery/data/surnames.txt",
    "piplvault/retention_rules.toml",
    "piplvault/store/migrations/env.py",
    "piplvault/store/migrations/versions/0001_initial_schema.py",
    "piplvault/py.typed",
    "piplvault/web/templates/base.html",
    "piplvault/web/static/htmx.min.js",
    "piplvault/web/static/console.js",
    "piplvault/web/static/console.css",
)


def _build_wheel(out: Path) -> Path:
    """``pip wheel`` from a copy of the sources (the checkout is left untouched)."""
    src = out / "src-copy"
    shutil.copytree(
        ROOT / "src",
        src / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("piplvault-*.whl")
    return wheel


def _fresh_venv(where: Path, wheel: Path) -> Path:
    """A new venv with only the wheel installed; dependencies are the locked ones."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True
    )
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [
                str(python),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Plain path lines: the test environment's dependencies, but not its .pth files — so
    # not its editable install of piplvault, which lives in the checkout.
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "locked_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return where / "bin" / "piplvault"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path]]:
    """(the installed ``piplvault`` script, a working directory outside the checkout)."""
    base = tmp_path_factory.mktemp("wheel")
    yield _fresh_venv(base / "venv", wheel), base


def _env(base: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PIPLVAULT_") and k not in ("PYTHONPATH", "PYTHONHOME")
    }
    env.update(TEST_ENV)
    env["XDG_CONFIG_HOME"] = str(base / "config")
    return env


def _ok(
    argv: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, (argv, result.stderr)
    return result


def test_wheel_contains_runtime_data(wheel: Path) -> None:
    """9.4: every template, data file and migration the package reads is in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in RUNTIME_DATA if name not in names]
    assert not missing
    package = ROOT / "src" / "piplvault"
    for shipped in (package / "documents" / "templates", package / "web" / "templates"):
        for template in shipped.rglob("*.*"):
            assert template.relative_to(ROOT / "src").as_posix() in names


def test_installed_wheel_smoke_outside_checkout(installed: tuple[Path, Path]) -> None:
    """9.4 / R-22-1 / R-47-3: installed from the wheel, in a directory outside the
    checkout: init, scan, import, transfer notices (through piplvault serve), delete with a
    destruction certificate, certificate verify."""
    script, base = installed
    env, home, out = _env(base), base / "vault", base / "out"
    where = _ok(
        [
            str(script.parent / "python"),
            "-c",
            "import piplvault; print(piplvault.__file__)",
        ],
        env,
        base,
    ).stdout
    assert where.startswith(str(base / "venv")), where  # the wheel, not the checkout
    pv = str(script)
    _ok([pv, "init", str(home)], env, base)
    scan = json.loads(
        _ok([pv, "scan", str(EXAMPLES / "customers.csv"), "--json"], env, base).stdout
    )
    assert scan
    with _serve(pv, home, env, base) as url:
        client = {k: v for k, v in env.items() if k != "PIPLVAULT_PASSPHRASE"}
        client.update(PIPLVAULT_URL=url, PIPLVAULT_USER="owner")
        client["PIPLVAULT_PASSWORD"] = TEST_ENV["PIPLVAULT_OWNER_PASSWORD"]
        imported = json.loads(
            _ok(
                [pv, "import", str(EXAMPLES / "customers.csv"), "--json"], client, base
            ).stdout
        )
        assert imported["new"] == 200, imported
        _ok(
            [
                pv,
                "transfer",
                "create",
                "--recipient",
                "示例承接科技有限公司",
                "--contact",
                "010-88886666",
                "--uscc",
                "91110000600037341L",
                "--purposes",
                "contract",
                "--deal",
                "merger",
                "--json",
            ],
            client,
            base,
        )
        notices = json.loads(
            _ok(
                [
                    pv,
                    "transfer",
                    "notices",
                    "T-0001",
                    "--out",
                    str(out / "n"),
                    "--json",
                ],
                client,
                base,
            ).stdout
        )
        assert notices["letters"] == 200
        assert "示例承接科技有限公司" in (out / "n" / "letters.html").read_text(
            encoding="utf-8"
        )
        deleted = json.loads(
            _ok(
                [
                    pv,
                    "customers",
                    "delete",
                    "7",
                    "--reason",
                    "erasure request",
                    "--yes",
                    "--json",
                ],
                client,
                base,
            ).stdout
        )
        key = out / "vault.pub"
        key.write_text(
            _ok([pv, "keys", "public"], client, base).stdout, encoding="ascii"
        )
    verified = _ok(
        [pv, "certificate", "verify", deleted["certificate"], "--public-key", str(key)],
        {k: v for k, v in env.items() if k != "PIPLVAULT_PASSPHRASE"},
        base,
    )
    assert "Traceback" not in verified.stderr


class _serve:
    """``piplvault serve`` on a Unix socket for the duration of a ``with`` block."""

    def __init__(self, pv: str, home: Path, env: dict[str, str], base: Path) -> None:
        self.socket = base / "s.sock"
        self.log = base / "serve.log"
        self.argv = [pv, "serve", "--home", str(home), "--socket", str(self.socket)]
        self.env, self.cwd = env, base

    def __enter__(self) -> str:
        with self.log.open("wb") as handle:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdout=handle, stderr=handle
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(encoding="utf-8")
            if self.socket.exists() and self._ready():
                return f"unix://{self.socket}"
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError(f"piplvault serve not ready: {self.log.read_text()}")

    def _ready(self) -> bool:
        transport = httpx.HTTPTransport(uds=str(self.socket))
        try:
            with httpx.Client(transport=transport, base_url="http://t", timeout=2) as c:
                return c.get("/ready").status_code == 200
        except httpx.HTTPError:
            return False

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
