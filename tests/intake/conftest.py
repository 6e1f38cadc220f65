"""The intake modules' empty vault: one real ``piplvault init`` per module, copied for each
test by ``helpers.new_vault`` (tests/vaults.py), instead of an ``init`` per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fast import suite_env
from tests.intake import helpers
from tests.vaults import frozen


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("intake-empty") / "vault"
    with suite_env():
        ran = helpers.cli("init", str(home))
    assert ran.code == 0, ran.err
    frozen(home)
    helpers.TEMPLATE.append(home)
    yield home
    helpers.TEMPLATE.remove(home)
