"""Where things live inside a bundle, how bundle folders are named, and which paths are safe.

::

    <po>_<transaction>_v<N>/
        manifest.json            what is sealed: every file below with sha256, bytes, media type
        manifest.sha256          hex SHA-256 of the manifest bytes (the bundle's identity)
        manifest.sig             optional Ed25519 signature of that digest (JSON)
        custody.jsonl            append-only, hash-chained custody log (not in the manifest)
        report.html              the self-contained human report
        data/case.json           the RefundCase as captured (its assessment lives below)
        data/assessments/assessment-0001.json, -0002.json ...   every assessment, oldest first
        data/reviews/review-0001.json ...                       every review decision
        captures/                screenshots (PNG), HTML snapshots, optional Playwright trace zip
        emails/                  original messages, byte for byte (.eml)
        added/0001-<file> ...    files a reviewer attached later (a carrier claim, a call note)
        data/added/added-0001.json ...                          what each added file is, who, when

The four top-level files ``manifest.json``, ``manifest.sha256``, ``manifest.sig`` and
``custody.jsonl`` are the only files a manifest does not list; anything else not listed is an
error. Folders whose name starts with ``.staging-`` are unfinished writes and are not bundles.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from evidence.bundle.errors import UnsafePathError

MANIFEST = "manifest.json"
DIGEST = "manifest.sha256"
SIGNATURE = "manifest.sig"
CUSTODY = "custody.jsonl"
REPORT = "report.html"
CASE = "data/case.json"
ASSESSMENTS_DIR = "data/assessments"
REVIEWS_DIR = "data/reviews"
CAPTURES_DIR = "captures"
EMAILS_DIR = "emails"
ADDED_DIR = "added"
ADDED_RECORDS_DIR = "data/added"

UNSEALED = frozenset({MANIFEST, DIGEST, SIGNATURE, CUSTODY})
ARTIFACT_DIRS = (CAPTURES_DIR, EMAILS_DIR)
STAGING_PREFIX = ".staging-"

NAME_RE = re.compile(r"^(?P<po>[0-9]{8,20})_(?P<txn>[A-Za-z0-9.-]+)_v(?P<version>[1-9][0-9]*)$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9.-]+")

MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".eml": "message/rfc822",
    ".zip": "application/zip",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".mhtml": "multipart/related",
}
# Already compressed: exports store these as they are instead of deflating them again.
COMPRESSED_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".zip", ".wacz", ".gz", ".webp", ".pdf"})  # .wacz: a zip of gzip WARCs


def safe_component(text: str) -> str:
    """A string usable as part of a folder name: runs of other characters become ``-``."""
    cleaned = _UNSAFE_CHARS.sub("-", text).strip("-.")
    return cleaned or "unknown"


def bundle_name(po: str, transaction_id: str, version: int) -> str:
    """``<po>_<transaction>_v<version>``, e.g. ``4342076435326_CCR-88121_v1``."""
    if version < 1:
        raise ValueError("bundle versions start at 1")
    return f"{safe_component(po)}_{safe_component(transaction_id)}_v{version}"


def bundle_key(po: str, transaction_id: str) -> str:
    """The name without the version: every version of one refund shares it."""
    return f"{safe_component(po)}_{safe_component(transaction_id)}"


def parse_version(name: str, key: str) -> int | None:
    """The version number of folder ``name`` if it is a version of ``key``, else None."""
    prefix = f"{key}_v"
    if not name.startswith(prefix):
        return None
    tail = name[len(prefix) :]
    return int(tail) if tail.isdigit() and not tail.startswith("0") else None


def assessment_path(number: int) -> str:
    return f"{ASSESSMENTS_DIR}/assessment-{number:04d}.json"


def review_path(number: int) -> str:
    return f"{REVIEWS_DIR}/review-{number:04d}.json"


def added_path(number: int, filename: str) -> str:
    """``added/0001-carrier-claim.pdf``: the number keeps two uploads of one name apart."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot or not stem:
        return f"{ADDED_DIR}/{number:04d}-{safe_component(filename)}"
    return f"{ADDED_DIR}/{number:04d}-{safe_component(stem)}.{safe_component(suffix).lower()}"


def added_record_path(number: int) -> str:
    return f"{ADDED_RECORDS_DIR}/added-{number:04d}.json"


def check_relative_path(path: str) -> str:
    """Return ``path`` if it is a clean relative POSIX path inside a bundle, else raise.

    Rejected: empty, absolute, drive letters, backslashes, NUL, ``.``/``..`` segments, empty
    segments (``a//b``), and segments starting with a dot (hidden files never belong in a bundle).
    """
    if not path or "\x00" in path or "\\" in path:
        raise UnsafePathError("not a clean relative path", path or "<empty>")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise UnsafePathError("absolute paths are not allowed in a bundle", path)
    parts = path.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise UnsafePathError("'..', '.' and empty segments are not allowed in a bundle path", path)
        if part.startswith("."):
            raise UnsafePathError("hidden files are not allowed in a bundle", path)
    return path


def check_artifact_path(path: str) -> str:
    """An artifact's path must be safe and sit under ``captures/`` or ``emails/``."""
    check_relative_path(path)
    if path.split("/", 1)[0] not in ARTIFACT_DIRS or "/" not in path:
        raise UnsafePathError(f"artifacts go under {' or '.join(d + '/' for d in ARTIFACT_DIRS)}", path)
    return path


def media_type_for(path: str) -> str:
    """The media type recorded for a file, from its suffix (``application/octet-stream`` if unknown)."""
    return MEDIA_TYPES.get(PurePosixPath(path).suffix.lower(), "application/octet-stream")


def is_compressed(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in COMPRESSED_SUFFIXES
