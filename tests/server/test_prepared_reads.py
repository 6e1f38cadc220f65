"""The customer read's statements run on the driver cursor (`store.prepared`, issue 11)
and still fail closed: an audit entry the database refuses means no answer, in the server's
group commit as in a plain transaction; a revoked token and a disabled user are refused
on the very next read (nothing about them is cached).

R-SYS-ACCESS (PIPL Art. 51: every access audited), DESIGN "no audit entry, no operation".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from piplvault.errors import AuditUnavailableError, AuthenticationError
from piplvault.settings import load_settings
from piplvault.store.consents import _LATEST
from piplvault.store.schema import consents
from piplvault.vault import Vault, people
from piplvault.vault.session import authenticate, authenticate_token
from tests import rawdb
from tests.conftest import OWNER_PASSWORD
from tests.lifecycle.conftest import home, home_template  # noqa: F401  fixtures


def _audit_rows(vault_home: Path) -> int:
    with rawdb.connect(vault_home) as db:
        return int(db.execute("SELECT count(*) FROM audit_log").fetchone()[0])


@pytest.mark.parametrize("grouped", [False, True])
def test_a_refused_audit_entry_means_no_answer_R_SYS_ACCESS(
    home: Path,  # noqa: F811  the fixture
    grouped: bool,
) -> None:
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    try:
        assert vault.show_customer(1).id == 1
        if grouped:
            vault.start_group_commit()
        before = _audit_rows(home)
        rawdb.refuse_audit_inserts(home)
        with pytest.raises(AuditUnavailableError):
            vault.show_customer(2)
        assert _audit_rows(home) == before
    finally:
        vault.close()


def test_token_and_user_changes_apply_on_the_next_read_R_SYS_ACCESS(
    home: Path,  # noqa: F811  the fixture
) -> None:
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    try:
        vault.start_group_commit()
        people.set_password(vault, "owner", OWNER_PASSWORD)
        people.add_user(vault, "officer1", "compliance_officer", "officer-口令-5678")
        staff = authenticate(vault, "officer1", password="officer-口令-5678")
        token = people.issue_own_token(staff, hours=1)["token"]
        assert authenticate_token(vault, token).show_customer(3).id == 3
        people.revoke_own_token(staff, token)
        with pytest.raises(AuthenticationError, match="revoked"):
            authenticate_token(vault, token)
        again = people.issue_own_token(staff, hours=1)["token"]
        assert authenticate_token(vault, again).show_customer(3).id == 3
        people.disable_user(vault, "officer1")
        with pytest.raises(AuthenticationError, match="disabled"):
            authenticate_token(vault, again)
    finally:
        vault.close()


def test_prepared_statement_answers_as_sqlalchemy_does(
    home: Path,  # noqa: F811  the fixture
) -> None:
    """Values the statement carries itself (``LIMIT 1``) and named parameters both bind."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    try:
        with vault.read() as conn:
            core = conn.execute(
                select(consents)
                .where(consents.c.customer_id == 1, consents.c.purpose == "marketing")
                .order_by(consents.c.id.desc())
                .limit(1)
            ).first()
            fast = _LATEST.first(conn, customer_id=1, purpose="marketing")
            assert (core is None and fast is None) or tuple(core) == tuple(fast)
            assert _LATEST.all(conn, customer_id=10**9, purpose="x") == []
    finally:
        vault.close()
