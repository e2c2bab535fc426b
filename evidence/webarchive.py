"""Web archives of the captured screens: scrubbed exchanges -> WARC records -> a WACZ 1.1.1 file.

A bundle's ``captures/archive.wacz`` holds the page and API traffic of the screens in the bundle
(documents, style sheets, scripts, API answers), so a reviewer can show a screen again as Seller
Center served it (``collector replay``, or ReplayWeb.page). The layout is WACZ 1.1.1
(https://specs.webrecorder.net/wacz/1.1.1/):

```
archive/data.warc.gz      one gzip member per WARC record (warcio): warcinfo, then response + request per exchange
indexes/index.cdx         CDXJ index of the WARC (cdxj-indexer, the indexer py-wacz uses)
pages/pages.jsonl         one entry per captured screen: id = the capture's file stem, title = the screen name
datapackage.json          every file above with its sha256 and size (Frictionless data package)
datapackage-digest.json   the sha256 of datapackage.json
```

Scrub before sealing: ``build_wacz`` only takes exchanges through ``evidence.scrub.scrub_exchanges``
(the scrubber the Playwright traces use), so there is no way to archive unscrubbed traffic. The
bytes are deterministic: record ids are derived from the content, the zip entries carry the
archive's creation time. ``check_wacz`` re-hashes every file against ``datapackage.json`` (what
``collector verify`` adds to the manifest's own hashes); ``read_wacz`` gives the exchanges back
for replay.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from evidence.scrub import Exchange, ScrubReport, scrub_exchanges

__all__ = [
    "ARCHIVE_MEDIA_TYPE",
    "ArchiveProblem",
    "ArchivedExchange",
    "ArchivePage",
    "build_wacz",
    "check_wacz",
    "read_pages",
    "read_wacz",
]

WACZ_VERSION = "1.1.1"
ARCHIVE_MEDIA_TYPE = "application/wacz"
WARC_PATH = "archive/data.warc.gz"
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"
DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
# Bodies are stored decoded (the browser hands them over that way): these headers would lie.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_RECORD_NAMESPACE = uuid.UUID("8b0c4a52-3f5e-4d8e-9a51-2f1c7a6e9d10")


@dataclass(frozen=True)
class ArchivedExchange:
    """One request and its answer as the browser saw them, with the answer's status and time."""

    exchange: Exchange
    status: int
    reason: str
    at: datetime


@dataclass(frozen=True)
class ArchivePage:
    """One captured screen: ``id`` is its capture's file stem, ``title`` the screen's name."""

    id: str
    url: str
    title: str
    at: datetime


@dataclass(frozen=True)
class ArchiveProblem:
    code: str  # archive.unreadable / archive.layout / archive.hash_mismatch / archive.unlisted / archive.digest_mismatch
    path: str  # the entry inside the archive
    message: str


# --------------------------------------------------------------------------- writing


def build_wacz(
    exchanges: Sequence[ArchivedExchange],
    pages: Sequence[ArchivePage],
    *,
    secrets: Iterable[str | None],
    created: datetime,
    software: str,
) -> tuple[bytes, ScrubReport]:
    """The WACZ of ``exchanges`` after scrubbing them (``scrub_exchanges``), and what was masked."""
    clean, report = scrub_exchanges([e.exchange for e in exchanges], secrets)
    scrubbed = [replace(e, exchange=c) for e, c in zip(exchanges, clean, strict=True)]
    pages = [replace(p, url=_mask_url(p.url, clean, exchanges)) for p in pages]
    warc = _warc(scrubbed, created, software)
    files = {
        WARC_PATH: warc,
        INDEX_PATH: _cdxj(warc),
        PAGES_PATH: _pages_jsonl(pages),
    }
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": "Captured screens",
        "software": software,
        "created": _iso(created),
        **({"mainPageURL": pages[0].url, "mainPageDate": _iso(pages[0].at)} if pages else {}),
        "resources": [
            {"name": path.rsplit("/", 1)[-1], "path": path, "hash": f"sha256:{_sha256(data)}", "bytes": len(data)}
            for path, data in files.items()
        ],
    }
    package_bytes = (json.dumps(package, indent=2, sort_keys=True) + "\n").encode("utf-8")
    files[DATAPACKAGE] = package_bytes
    files[DIGEST] = (json.dumps({"path": DATAPACKAGE, "hash": f"sha256:{_sha256(package_bytes)}"}, indent=2) + "\n").encode()
    buffer = io.BytesIO()
    stamp = created.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            # WACZ: the WARC (already gzip) is STORED so replay tools can seek into it.
            info.compress_type = zipfile.ZIP_STORED if path == WARC_PATH else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue(), report


def _mask_url(url: str, clean: Sequence[Exchange], raw: Sequence[ArchivedExchange]) -> str:
    """A page URL as the scrubbed exchange for it reads (a token in a query string is masked)."""
    for original, scrubbed in zip(raw, clean, strict=True):
        if original.exchange.url == url:
            return scrubbed.url
    return url


def _warc(exchanges: Sequence[ArchivedExchange], created: datetime, software: str) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    info = writer.create_warcinfo_record("data.warc.gz", {"software": software, "format": "WARC File Format 1.1"})
    info.rec_headers.replace_header("WARC-Date", _iso(created))
    info.rec_headers.replace_header("WARC-Record-ID", _record_id("warcinfo", software, _iso(created)))
    writer.write_record(info)
    for n, item in enumerate(exchanges):
        e = item.exchange
        date = _iso(item.at)
        body = e.response_body or b""
        headers = [(k, v) for k, v in e.response_headers if k.lower() not in _DROPPED_RESPONSE_HEADERS]
        headers.append(("Content-Length", str(len(body))))
        response_id = _record_id("response", str(n), e.method, e.url, date, _sha256(body))
        response = writer.create_warc_record(
            e.url,
            "response",
            payload=io.BytesIO(body),
            http_headers=StatusAndHeaders(f"{item.status} {item.reason or 'OK'}".strip(), headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": date},
        )
        writer.write_record(response)
        request_body = e.request_body or b""
        path = _request_target(e.url)
        request = writer.create_warc_record(
            e.url,
            "request",
            payload=io.BytesIO(request_body),
            http_headers=StatusAndHeaders(f"{e.method} {path} HTTP/1.1", list(e.request_headers), is_http_request=True),
            warc_headers_dict={
                "WARC-Record-ID": _record_id("request", response_id),
                "WARC-Date": date,
                "WARC-Concurrent-To": response_id,
            },
        )
        writer.write_record(request)
    return out.getvalue()


INDEXED_RECORDS = "response,revisit,resource,metadata"  # cdxj-indexer's own default


def _cdxj(warc: bytes) -> bytes:
    """The CDXJ index of the WARC, sorted (cdxj-indexer; request bodies appended for POSTs)."""
    from cdxj_indexer.main import CDXJIndexer  # here: it loads pyamf and pkg_resources (~0.2 s a start)

    text = io.StringIO()
    # The record types named here, not the class default: importing the ``wacz`` package appends
    # "warcinfo" to ``CDXJIndexer.DEFAULT_RECORDS`` for the whole process.
    CDXJIndexer(text, [io.BytesIO(warc)], sort=True, post_append=True, filename="data.warc.gz",
                records=INDEXED_RECORDS).process_all()
    return text.getvalue().encode("utf-8")


def _pages_jsonl(pages: Sequence[ArchivePage]) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Captured screens"}]
    lines += [{"id": p.id, "url": p.url, "ts": _iso(p.at), "title": p.title} for p in pages]
    return "".join(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


# --------------------------------------------------------------------------- reading and checking


def _entries(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise ValueError(f"not a readable WACZ (zip): {exc}") from exc


def check_wacz(data: bytes) -> list[ArchiveProblem]:
    """Every file of the WACZ against ``datapackage.json`` (hash, size, listed) and the package
    against ``datapackage-digest.json``; every problem, never raising."""
    try:
        entries = _entries(data)
    except ValueError as exc:
        return [ArchiveProblem("archive.unreadable", "", str(exc))]
    problems: list[ArchiveProblem] = []
    raw = entries.get(DATAPACKAGE)
    if raw is None:
        return [ArchiveProblem("archive.layout", DATAPACKAGE, "no datapackage.json: not a WACZ")]
    try:
        package = json.loads(raw)
        resources = {r["path"]: r for r in package["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        return [ArchiveProblem("archive.layout", DATAPACKAGE, f"not a WACZ data package: {type(exc).__name__}")]
    for required in (WARC_PATH, PAGES_PATH):
        if required not in resources:
            problems.append(ArchiveProblem("archive.layout", required, "not listed in datapackage.json"))
    for path, resource in sorted(resources.items()):
        content = entries.get(path)
        if content is None:
            problems.append(ArchiveProblem("archive.missing", path, "listed in datapackage.json but not in the archive"))
        elif len(content) != resource.get("bytes") or f"sha256:{_sha256(content)}" != resource.get("hash"):
            problems.append(ArchiveProblem("archive.hash_mismatch", path, "differs from its datapackage.json hash"))
    for path in sorted(set(entries) - set(resources) - {DATAPACKAGE, DIGEST}):
        problems.append(ArchiveProblem("archive.unlisted", path, "in the archive but not in datapackage.json"))
    digest = entries.get(DIGEST)
    if digest is not None:
        try:
            recorded = json.loads(digest)["hash"]
        except (ValueError, KeyError, TypeError):
            recorded = None
        if recorded != f"sha256:{_sha256(raw)}":
            problems.append(ArchiveProblem("archive.digest_mismatch", DIGEST, "datapackage.json changed after its digest was made"))
    return problems


def read_pages(data: bytes) -> list[ArchivePage]:
    """The captured screens listed in ``pages/pages.jsonl``, in capture order."""
    raw = _entries(data).get(PAGES_PATH)
    if raw is None:
        raise ValueError("the WACZ has no pages/pages.jsonl")
    pages = []
    for line in raw.decode("utf-8").splitlines():
        item = json.loads(line)
        if "format" in item or "url" not in item:
            continue  # the header line
        pages.append(ArchivePage(id=item["id"], url=item["url"], title=item.get("title", ""), at=_parse_iso(item["ts"])))
    return pages


def read_wacz(data: bytes) -> list[ArchivedExchange]:
    """The archived exchanges (request method, URL, headers and body; the answer), WARC order."""
    warc = _entries(data).get(WARC_PATH)
    if warc is None:
        raise ValueError(f"the WACZ has no {WARC_PATH}")
    responses: dict[str, tuple[str, int, str, list[tuple[str, str]], bytes, str]] = {}
    requests: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {}
    order: list[str] = []
    try:
        for record in ArchiveIterator(io.BytesIO(warc)):
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            if record.rec_type == "response" and record.http_headers is not None:
                status, _, reason = record.http_headers.statusline.partition(" ")  # "200 OK"
                responses[record_id] = (
                    record.rec_headers.get_header("WARC-Target-URI"),
                    int(status),
                    reason,
                    list(record.http_headers.headers),
                    record.content_stream().read(),
                    record.rec_headers.get_header("WARC-Date"),
                )
                order.append(record_id)
            elif record.rec_type == "request" and record.http_headers is not None:
                method = record.http_headers.protocol  # "GET /path HTTP/1.1": the protocol slot holds the method
                requests[record.rec_headers.get_header("WARC-Concurrent-To")] = (
                    method,
                    list(record.http_headers.headers),
                    record.content_stream().read(),
                )
    except ArchiveLoadFailed as exc:
        raise ValueError(f"the WARC does not read: {exc}") from exc
    out = []
    for record_id in order:
        url, status, reason, headers, body, date = responses[record_id]
        method, request_headers, request_body = requests.get(record_id, ("GET", [], b""))
        out.append(
            ArchivedExchange(
                Exchange(method, url, request_headers, request_body or None, headers, body),
                status=status,
                reason=reason,
                at=_parse_iso(date),
            )
        )
    return out


# --------------------------------------------------------------------------- helpers


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(_RECORD_NAMESPACE, chr(31).join(parts))}>"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
