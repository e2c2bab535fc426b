"""The web archive of a bundle's screens (evidence/webarchive.py): a valid WACZ 1.1.1 whose
pages are the captured screens, scrubbed before it is built, and checked by its own hashes."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from evidence.scrub import Exchange
from evidence.webarchive import ArchivedExchange, ArchivePage, build_wacz, check_wacz, read_pages, read_wacz

AT = datetime(2026, 11, 20, 15, 30, 0, 250000, tzinfo=UTC)
SITE = "https://seller.walmart.com"
COOKIE = "sc_session=S3ss10nV4lue-abcdef"
PASSWORD = "correct horse battery"


def _exchanges() -> list[ArchivedExchange]:
    page = Exchange("GET", f"{SITE}/transactions?q=4342076435326", [("Cookie", COOKIE), ("Accept", "text/html")], None,
                    [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                     ("Set-Cookie", f"{COOKIE}; HttpOnly")], b"<h1>Transactions</h1>")
    api = Exchange("GET", f"{SITE}/api/transactions/4342076435326-CCR1", [("X-CSRF-Token", "csrf-token-123456")], None,
                   [("Content-Type", "application/json")], b'{"transactionId":"4342076435326-CCR1","net":"-42.17"}')
    sign_in = Exchange("POST", f"{SITE}/login", [("Content-Type", "application/x-www-form-urlencoded")],
                       f"email=ops%40example.com&password={PASSWORD.replace(' ', '+')}".encode(),
                       [("Content-Type", "text/html")], b"<p>Welcome back</p>")
    return [ArchivedExchange(e, 200, "OK", AT) for e in (page, api, sign_in)]


def _pages() -> list[ArchivePage]:
    url = f"{SITE}/transactions?q=4342076435326"
    return [ArchivePage("01-transactions.search-results", url, "transactions.search-results", AT),
            ArchivePage("02-transactions.details", url, "transactions.details", AT)]


def _build() -> tuple[bytes, str]:
    data, report = build_wacz(_exchanges(), _pages(), secrets=[PASSWORD], created=AT, software="cc-refund-collector test")
    return data, report.summary()


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_the_archive_has_the_wacz_layout_with_every_file_hashed_in_its_datapackage() -> None:
    data, _ = _build()
    entries = _entries(data)
    assert set(entries) == {"archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl", "datapackage.json",
                            "datapackage-digest.json"}
    package = json.loads(entries["datapackage.json"])
    assert package["wacz_version"] == "1.1.1" and package["profile"] == "data-package"
    for resource in package["resources"]:
        content = entries[resource["path"]]
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest() and resource["bytes"] == len(content)
    digest = json.loads(entries["datapackage-digest.json"])
    assert digest["hash"] == "sha256:" + hashlib.sha256(entries["datapackage.json"]).hexdigest()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # WACZ: the WARC stored, so replay tools can seek into it
        assert archive.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
    assert check_wacz(data) == []


def test_one_page_entry_per_captured_screen_titled_with_the_screen_name() -> None:
    data, _ = _build()
    lines = [json.loads(line) for line in _entries(data)["pages/pages.jsonl"].decode().splitlines()]
    assert lines[0]["format"] == "json-pages-1.0"
    assert [(p["id"], p["title"]) for p in lines[1:]] == [
        ("01-transactions.search-results", "transactions.search-results"),
        ("02-transactions.details", "transactions.details"),
    ]
    assert all(p["ts"] == "2026-11-20T15:30:00.250Z" for p in lines[1:])
    assert [p.title for p in read_pages(data)] == ["transactions.search-results", "transactions.details"]


def test_the_index_lists_every_archived_answer() -> None:
    data, _ = _build()
    index = _entries(data)["indexes/index.cdx"].decode()
    urls = sorted(json.loads(line.split(" ", 2)[2])["url"] for line in index.splitlines())
    assert urls == sorted(e.exchange.url for e in _exchanges())


def test_cookies_tokens_and_the_sign_in_post_are_scrubbed_before_the_archive_is_built() -> None:
    data, summary = _build()
    warc = gzip.decompress(_entries(data)["archive/data.warc.gz"])  # every record is a gzip member
    for secret in (b"S3ss10nV4lue-abcdef", b"csrf-token-123456", b"correct+horse+battery", PASSWORD.encode(), b"Welcome back"):
        assert secret not in warc and secret not in data
    assert b"sc_session=[scrubbed]" in warc  # the cookie's name stays, its value does not
    assert "cookie=1" in summary and "set-cookie=1" in summary and "token-header=1" in summary and "sign-in-body=2" in summary
    assert PASSWORD not in summary and "csrf-token" not in summary  # kinds and counts, never values


def test_the_archived_answers_read_back_for_replay() -> None:
    data, _ = _build()
    page, api, sign_in = read_wacz(data)
    assert (page.exchange.method, page.exchange.url, page.status) == ("GET", f"{SITE}/transactions?q=4342076435326", 200)
    assert page.exchange.response_body == b"<h1>Transactions</h1>"
    headers = {k.lower(): v for k, v in page.exchange.response_headers}
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "content-encoding" not in headers  # bodies are stored decoded: the header would lie
    assert headers["content-length"] == str(len(b"<h1>Transactions</h1>"))
    assert api.exchange.response_body == b'{"transactionId":"4342076435326-CCR1","net":"-42.17"}'
    assert sign_in.exchange.method == "POST" and sign_in.exchange.request_body is None


def test_the_same_input_gives_the_same_bytes() -> None:
    assert _build()[0] == _build()[0]


def test_a_changed_warc_record_is_caught_by_the_datapackage_hash() -> None:
    data, _ = _build()
    entries = _entries(data)
    warc = gzip.decompress(entries["archive/data.warc.gz"]).replace(b"-42.17", b"-99.17")
    entries["archive/data.warc.gz"] = gzip.compress(warc)
    problems = check_wacz(_rezip(entries))
    assert [(p.code, p.path) for p in problems] == [("archive.hash_mismatch", "archive/data.warc.gz")]


def test_a_rewritten_datapackage_is_caught_by_its_digest_and_an_added_file_is_unlisted() -> None:
    data, _ = _build()
    entries = _entries(data)
    package = json.loads(entries["datapackage.json"])
    package["title"] = "something else"
    entries["datapackage.json"] = json.dumps(package).encode()
    entries["archive/extra.warc.gz"] = b"x"
    codes = sorted(p.code for p in check_wacz(_rezip(entries)))
    assert codes == ["archive.digest_mismatch", "archive.unlisted"]
    assert [p.code for p in check_wacz(b"not a zip")] == ["archive.unreadable"]


def test_py_wacz_validates_the_archive(tmp_path: Path) -> None:
    """The reference implementation agrees: layout, Frictionless package, paths and hashes."""
    validate = pytest.importorskip("wacz.validate")
    path = tmp_path / "archive.wacz"
    path.write_bytes(_build()[0])
    check = validate.Validation(str(path))
    assert check.version == "1.1.1"
    assert check.check_required_contents() == 0
    assert check.frictionless_validate() is True
    assert check.check_file_paths() is True
    assert check.check_file_hashes() is True
    assert check.check_data_package_hash_and_sig() is True


def test_the_index_does_not_depend_on_what_else_the_process_imported() -> None:
    """Importing the ``wacz`` package changes cdxj-indexer's default record types process-wide
    (it adds "warcinfo"); an archive built after that must index the same records."""
    before = _entries(_build()[0])["indexes/index.cdx"]
    pytest.importorskip("wacz.validate")
    assert _entries(_build()[0])["indexes/index.cdx"] == before
