"""Tamper-evident evidence bundles: write, read, verify, re-seal, export, index.

The layout is in ``layout`` and ``docs/bundle-format.md``; the collector calls ``write_bundle``
(see ``writer`` for the usage), the policy engine ``append_assessment``, the review step
``record_review``; the CLI calls ``verify_path``, ``export_bundles`` and ``write_index``.
"""

from __future__ import annotations

from evidence.bundle.custody import CustodyEntry, CustodyEvent
from evidence.bundle.errors import (
    BundleError,
    BundleFormatError,
    BundleIntegrityError,
    BundleNotFound,
    FormatVersionError,
    Problem,
    SigningError,
    UnsafePathError,
)
from evidence.bundle.export import export_bundles
from evidence.bundle.index import write_index
from evidence.bundle.manifest import (
    FORMAT_VERSION,
    Artifact,
    BundleContext,
    BundleRef,
    FileEntry,
    Manifest,
    Redaction,
    ToolVersions,
)
from evidence.bundle.reader import Bundle, read_bundle
from evidence.bundle.signing import SigningKey, load_signing_key, load_trusted_keys, new_key_pair
from evidence.bundle.verify import BundleReport, VerificationReport, verify_bundle, verify_path
from evidence.bundle.writer import append_assessment, record_review, write_bundle

__all__ = [
    "FORMAT_VERSION",
    "Artifact",
    "Bundle",
    "BundleContext",
    "BundleError",
    "BundleFormatError",
    "BundleIntegrityError",
    "BundleNotFound",
    "BundleRef",
    "BundleReport",
    "CustodyEntry",
    "CustodyEvent",
    "FileEntry",
    "FormatVersionError",
    "Manifest",
    "Problem",
    "Redaction",
    "SigningError",
    "SigningKey",
    "ToolVersions",
    "UnsafePathError",
    "VerificationReport",
    "append_assessment",
    "export_bundles",
    "load_signing_key",
    "load_trusted_keys",
    "new_key_pair",
    "read_bundle",
    "record_review",
    "verify_bundle",
    "verify_path",
    "write_bundle",
    "write_index",
]
