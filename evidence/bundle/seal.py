"""Sealing: turning a bundle's files into a manifest, its digest and (optionally) a signature.

Everything here works on an in-memory ``{path: bytes}`` map, so the writer, the re-assessment
and the redacted export seal the same way and the caller decides where the bytes go (a staging
folder, a zip). ``manifest.sha256`` has ``sha256sum`` format, so ``sha256sum -c manifest.sha256``
checks the manifest with standard tools.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from evidence.bundle import serialize
from evidence.bundle.errors import BundleFormatError
from evidence.bundle.layout import MANIFEST, REPORT, UNSEALED, media_type_for
from evidence.bundle.manifest import FileEntry, Manifest
from evidence.bundle.signing import SigningKey, sign_digest
from evidence.hashing import sha256_bytes
from evidence.models import Assessment, RefundCase, ReviewDecision
from evidence.report.render import ListedFile, ReportInput, render_report

M = TypeVar("M", bound=BaseModel)


def entries_for(files: Mapping[str, bytes], media_types: Mapping[str, str] | None = None) -> list[FileEntry]:
    """A manifest entry for every sealed file (all but the unsealed top-level four), sorted by path.

    ``media_types`` overrides the type guessed from the suffix (e.g. what the collector declared).
    """
    types = media_types or {}
    return [
        FileEntry(
            path=path, sha256=sha256_bytes(data), bytes=len(data), media_type=types.get(path) or media_type_for(path)
        )
        for path, data in sorted(files.items())
        if path not in UNSEALED
    ]


def digest_line(digest: str) -> bytes:
    return f"{digest}  {MANIFEST}\n".encode("ascii")


def parse_digest_file(data: bytes) -> str | None:
    """The digest in a ``manifest.sha256`` file, or None when it is not in the expected form."""
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    digest, _, name = text.partition("  ")
    if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest) and name in ("", MANIFEST):
        return digest
    return None


@dataclass(frozen=True)
class Sealed:
    manifest: Manifest
    manifest_bytes: bytes
    digest: str
    signature_bytes: bytes | None

    @property
    def digest_bytes(self) -> bytes:
        return digest_line(self.digest)


def seal(
    files: Mapping[str, bytes],
    manifest: Manifest,
    at: datetime,
    key: SigningKey | None,
    media_types: Mapping[str, str] | None = None,
) -> Sealed:
    """Seal ``files`` under ``manifest`` (its ``files`` and ``sealed_at`` are replaced).

    Media types already in ``manifest`` are kept for files that stay; ``media_types`` adds others.
    """
    types = {entry.path: entry.media_type for entry in manifest.files} | dict(media_types or {})
    sealed = manifest.model_copy(update={"files": entries_for(files, types), "sealed_at": at})
    sealed = Manifest.model_validate(sealed.model_dump())  # re-validate the updated copy
    manifest_bytes = serialize.dumps(sealed)
    digest = sha256_bytes(manifest_bytes)
    signature = serialize.dumps(sign_digest(key, digest, at)) if key else None
    return Sealed(sealed, manifest_bytes, digest, signature)


def report_bytes(
    name: str,
    case: RefundCase,
    files: Mapping[str, bytes],
    at: datetime,
    *,
    assessments: list[Assessment],
    reviews: list[ReviewDecision],
    redacted: list[str] | None = None,
) -> bytes:
    """``report.html`` for the bundle whose other files are ``files`` (the report lists them)."""
    listed = [
        ListedFile(entry.path, entry.sha256, entry.bytes, entry.media_type)
        for entry in entries_for(files)
        if entry.path != REPORT
    ]
    current = case.model_copy(update={"assessment": assessments[-1] if assessments else case.assessment})
    page = render_report(
        ReportInput(
            name=name,
            case=current,
            files=listed,
            generated_at=at,
            read_file=files.get,
            assessments=assessments,
            reviews=reviews,
            redacted=redacted or [],
        )
    )
    return page.encode("utf-8")


def load_model(model: type[M], data: bytes, path: str) -> M:
    """Parse and validate one JSON model file, one readable line on failure."""
    try:
        return model.model_validate(serialize.loads(data, path))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "document"
        raise BundleFormatError(f"invalid {model.__name__}: {where}: {error['msg']}", path) from exc
