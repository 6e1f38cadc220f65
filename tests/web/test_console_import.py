"""Import through the console (TestClient): the preview stores nothing, a person's column
decision applies before anything is stored and is audited, an upload belongs to its
uploader's session, and no plaintext reaches the data directory (R-51-3, R-6-2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from piplvault.vault import Vault
from tests.conftest import EXAMPLES
from tests.web.conftest import TestClient, csrf_of, login


def _gb18030_csv(numbers: list[int]) -> tuple[bytes, list[list[str]]]:
    lines = (EXAMPLES / "customers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[n].split(",") for n in numbers]
    text = "\r\n".join([lines[0], *(lines[n] for n in numbers)])
    return text.encode("gb18030"), rows


def _upload(client: TestClient, token: str, data: bytes) -> str:
    r = client.post(
        "/console/import/upload",
        data={"csrf_token": token},
        files={"file": ("名单.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def test_preview_then_person_decides_then_import(
    client: TestClient, served: Vault, vault_home: Path
) -> None:
    token = login(client, "owner")
    data, rows = _gb18030_csv(list(range(41, 46)))
    before = served.status()["customers"]
    where = _upload(client, token, data)
    preview = client.get(where)
    assert preview.status_code == 200 and "gb18030" in preview.text
    assert served.status()["customers"] == before  # a dry run: nothing stored
    columns = re.findall(r'name="(col_\d+)" aria-label="([^"]+)"', preview.text)
    number = next(n for n, header in columns if header == "备注")
    bad = client.post(
        f"{where}/mapping", data={"csrf_token": token, number: "NOT_AN_ENTITY"}
    )
    assert bad.status_code == 422
    r = client.post(
        f"{where}/mapping",
        data={"csrf_token": token, number: "non_pii"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    again = client.get(where).text
    assert re.search(
        r'data-column="备注">.*?<option value="non_pii" selected', again, re.S
    )
    done = client.post(f"{where}/run", data={"csrf_token": token})
    assert done.status_code == 200 and "新增 5" in done.text
    assert served.status()["customers"] == before + 5
    imported = [e for e in served.audit_entries() if e.action == "customers-imported"]
    assert "non_pii" in imported[-1].details  # the person's decision is audited
    assert client.get(where).status_code == 404  # the upload is gone once imported
    phone = rows[0][5]
    for path in vault_home.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert phone.encode() not in blob, path
            assert rows[0][2].encode("utf-8") not in blob, path


def test_an_upload_belongs_to_its_uploaders_session(client: TestClient) -> None:
    token = login(client, "owner")
    data, _rows = _gb18030_csv([46, 47])
    where = _upload(client, token, data)
    other = TestClient(client.app)
    login(other, "cora")  # may import too, but this is not her upload
    assert other.get(where).status_code == 404
    assert client.get(where).status_code == 200


def test_sales_cannot_upload_without_the_csrf_token(client: TestClient) -> None:
    login(client, "sam")
    page = client.get("/console/import")
    assert page.status_code == 200
    r = client.post(
        "/console/import/upload",
        files={"file": ("a.csv", b"a,b\n1,2\n", "text/csv")},
        data={"csrf_token": csrf_of(page.text)[::-1]},
    )
    assert r.status_code == 403


def test_an_oversized_form_is_refused_before_it_is_read(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from piplvault.web import deps

    token = login(client, "owner")
    monkeypatch.setattr(deps, "MAX_FORM_BYTES", 1000)
    r = client.post(
        "/console/import/upload",
        data={"csrf_token": token},
        files={"file": ("big.csv", b"a,b\n" + b"1,2\n" * 1000, "text/csv")},
    )
    assert r.status_code == 422 and "64 MiB" in r.text


def test_import_progress_with_total_and_eta(client: TestClient, served: Vault) -> None:
    """The import runs in the background; the page polls its progress (rows done of the
    total, time left) and then shows the result (R-51-3: the same audited import)."""
    import time

    from piplvault.web.import_jobs import ImportJob

    token = login(client, "cora")
    data, _rows = _gb18030_csv(list(range(60, 72)))
    before = served.status()["customers"]
    where = _upload(client, token, data)
    assert 'hx-post="' + where + '/start"' in client.get(where).text
    started = client.post(
        f"{where}/start", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert started.status_code == 200
    seen = [started]
    deadline = time.monotonic() + 60
    while "hx-redirect" not in seen[-1].headers and time.monotonic() < deadline:
        assert "12 行" in seen[-1].text, seen[-1].text  # of the total
        time.sleep(0.2)
        seen.append(client.get(f"{where}/progress", headers={"HX-Request": "true"}))
    assert seen[-1].headers["hx-redirect"] == f"{where}/done"
    done = client.get(f"{where}/done")
    assert done.status_code == 200 and "新增 12" in done.text
    assert served.status()["customers"] == before + 12
    assert client.get(f"{where}/progress").status_code == 404  # gone once shown
    # the estimate: 30 of 120 rows in 10 s leaves about 30 s
    job = ImportJob(total=120, started=0.0)
    job.advance(30)
    view = job.view(now=10.0)
    assert (view["done"], view["percent"], view["eta"]) == (30, 25, 30)


def test_column_decisions_named_by_the_entity_catalogue(client: TestClient) -> None:
    """The preview names each entity by its catalogue label: zh first, en label_en."""
    token = login(client, "owner")
    where = _upload(client, token, "姓名,身份证号\n张三,x\n".encode())
    zh = client.get(where).text
    assert ">身份证号 (CN_RESIDENT_ID)</option>" in zh
    client.cookies.set("pv_lang", "en")
    en = client.get(where).text
    assert ">Resident ID number (CN_RESIDENT_ID)</option>" in en
    assert ">Not personal information (non_pii)</option>" in en
