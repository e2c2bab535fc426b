"""The signing key the settings name (``signing_key`` / ``--key``), loaded once or refused in one line.

``collect`` and ``demo`` sign every bundle they write with it; ``review`` re-signs what it re-seals;
``verify --trusted-keys`` then checks them all (a re-seal without the key drops the signature,
which ``verify --trusted-keys`` reports as ``signature.missing``).
"""

from __future__ import annotations

from pathlib import Path

from collector.errors import ConfigError
from evidence.bundle import SigningError, SigningKey, load_signing_key


def signing_key_or_error(path: Path | None) -> SigningKey | None:
    """The key at ``path`` (None when no key is set); an unreadable key is a ``ConfigError`` (exit 2)."""
    if path is None:
        return None
    try:
        return load_signing_key(path)
    except SigningError as exc:
        raise ConfigError(f"signing key: {exc}") from None
