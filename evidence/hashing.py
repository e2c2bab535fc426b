"""SHA-256 helpers shared by bundles, e-mail storage and exports.

Digests are lowercase hex strings everywhere (manifests, custody entries, signatures), so that a
person can compare them with ``sha256sum`` output by eye.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["CHUNK_SIZE", "sha256_bytes", "sha256_file"]

CHUNK_SIZE = 1 << 20


def sha256_bytes(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> tuple[str, int]:
    """The hex SHA-256 and the byte count of a file, read in chunks (screenshots can be large)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
