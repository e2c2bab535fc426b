"""The bundle's own models: the manifest, its file entries, redaction notes, and the writer's inputs.

The manifest is the sealed table of contents. Its format version is ``MAJOR.MINOR``: readers
accept any manifest with the same major version (a newer minor may only add optional fields,
which an older reader ignores) and reject other majors with a clear error. Never change the
meaning of a field in place: add a field, or bump the major version and document it in
``docs/bundle-format.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from evidence.bundle.errors import BundleFormatError, FormatVersionError
from evidence.models import Model, UtcDatetime

if TYPE_CHECKING:  # pragma: no cover - typing only
    from evidence.bundle.signing import SigningKey

FORMAT_MAJOR = 1
FORMAT_MINOR = 0
FORMAT_VERSION = f"{FORMAT_MAJOR}.{FORMAT_MINOR}"

Clock = Callable[[], datetime]

SHA256_PATTERN = r"^[0-9a-f]{64}$"


def utc_now() -> datetime:
    """The default clock. Tests inject a fixed one so bundles are byte-identical."""
    return datetime.now(UTC)


class FileEntry(Model):
    """One sealed file."""

    path: str = Field(description="POSIX path relative to the bundle folder")
    sha256: str = Field(pattern=SHA256_PATTERN)
    bytes: int = Field(ge=0)
    media_type: str


class ToolVersions(Model):
    """What produced the bundle."""

    name: str = "cc-refund-collector"
    version: str
    playwright: str | None = None
    browser: str | None = None


class Redaction(Model):
    """Present only in a redacted export: what was masked and what was left out.

    ``rewritten`` lists the files whose text was masked, with their ORIGINAL hash and size, and
    ``withheld`` the files left out (original e-mails, traces), also with their original hash: the
    redacted copy still proves which originals it was made from, sealed in ``source_manifest_sha256``.
    """

    masked: list[str] = Field(description="kinds of data masked, e.g. customer_name")
    replacement: str = "[redacted]"
    rewritten: list[FileEntry] = Field(default_factory=list)
    withheld: list[FileEntry] = Field(default_factory=list)
    source_manifest_sha256: str = Field(pattern=SHA256_PATTERN)


class Manifest(Model):
    """``manifest.json``."""

    format_version: str = Field(pattern=r"^[0-9]+\.[0-9]+$")
    name: str = Field(description="the bundle folder name: <po>_<transaction>_v<N>")
    po: str
    refund_transaction_id: str
    version: int = Field(ge=1)
    supersedes: str | None = Field(default=None, description="name of the previous version, if any")
    created_at: UtcDatetime = Field(description="when the bundle was first written")
    sealed_at: UtcDatetime = Field(description="when this manifest was written (re-sealed on changes)")
    tool: ToolVersions
    operator: str
    job_id: str | None = None
    policy_id: str | None = None
    source_urls: list[str] = Field(default_factory=list)
    files: list[FileEntry] = Field(description="every sealed file, sorted by path")
    redaction: Redaction | None = None

    def entry(self, path: str) -> FileEntry | None:
        return next((entry for entry in self.files if entry.path == path), None)


def parse_manifest(data: Any, path: str = "manifest.json") -> Manifest:
    """Validate a parsed manifest, checking the format version first (clear error on a foreign major)."""
    if not isinstance(data, dict):
        raise BundleFormatError("the manifest is not a JSON object", path)
    version = data.get("format_version")
    major, minor = _split_version(version, path)
    if major != FORMAT_MAJOR:
        raise FormatVersionError(
            f"format version {version} is not supported (this tool reads {FORMAT_MAJOR}.x bundles)", path
        )
    if minor > FORMAT_MINOR:
        # A newer minor version only adds optional fields: ignore the ones this reader does not know.
        data = {key: value for key, value in data.items() if key in Manifest.model_fields}
    return Manifest.model_validate(data)


def _split_version(version: Any, path: str) -> tuple[int, int]:
    if not isinstance(version, str):
        raise FormatVersionError("the manifest has no format_version", path)
    major, _, minor = version.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise FormatVersionError(f"format version {version!r} is not MAJOR.MINOR", path)
    return int(major), int(minor)


@dataclass(frozen=True)
class Artifact:
    """A file the collector captured: a screenshot, an HTML snapshot, a trace, an original e-mail.

    ``path`` is relative to the bundle and must start with ``captures/`` or ``emails/``;
    ``media_type`` defaults to one guessed from the suffix.
    """

    path: str
    data: bytes
    media_type: str | None = None


@dataclass(frozen=True)
class BundleContext:
    """Who and what wrote the bundle. ``signing_key`` signs the manifest when given.

    ``custody_details`` are added to the ``captured`` custody entry: what the collector did to
    the captured files before sealing them (``{"scrubbed": "captures/trace.zip: cookie=27, ..."}``,
    counts and kinds only, never a masked value).
    """

    tool_version: str
    operator: str
    playwright_version: str | None = None
    browser_version: str | None = None
    job_id: str | None = None
    policy_id: str | None = None
    signing_key: SigningKey | None = None
    custody_details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BundleRef:
    """A written bundle: where it is, which version, and the digest of its manifest."""

    path: Path
    name: str
    version: int
    manifest_sha256: str
