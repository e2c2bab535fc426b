"""Optional Ed25519 signatures over a bundle's manifest digest.

``new_key_pair`` writes ``<name>.key`` (PKCS#8 PEM, mode 0600) and ``<name>.pub`` (SubjectPublicKeyInfo
PEM). A signature is ``manifest.sig``: a small JSON document naming the key (``key_name``), its
fingerprint (SHA-256 of the raw 32-byte public key, hex), the public key itself, the signed
digest and the signature over ``signed_message(digest)``.

What is trusted: the public key stored beside the signature only proves that the manifest was not
changed AFTER it was signed by whoever holds that key (anyone can make a key and re-sign a forged
bundle). Identity comes from a trusted-keys folder (``*.pub`` files kept apart from the bundles):
when one is given, a signature whose fingerprint is not in it is reported as
``signature.untrusted``; when none is given, verification says whose key it claims to be and that
the key is not checked against a trust list.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import Field, ValidationError

from evidence.bundle import serialize
from evidence.bundle.errors import BundleFormatError, Problem, SigningError
from evidence.bundle.layout import SIGNATURE
from evidence.bundle.manifest import SHA256_PATTERN
from evidence.bundle.sources import read_regular_file
from evidence.hashing import sha256_bytes
from evidence.models import Model, UtcDatetime

KEY_SUFFIX = ".key"
PUBLIC_SUFFIX = ".pub"


class SignatureFile(Model):
    """``manifest.sig``."""

    algorithm: Literal["ed25519"] = "ed25519"
    key_name: str
    fingerprint: str = Field(pattern=SHA256_PATTERN)
    public_key: str = Field(description="raw 32-byte Ed25519 public key, base64")
    signed_digest: str = Field(pattern=SHA256_PATTERN, description="the manifest.sha256 value signed")
    signed_at: UtcDatetime
    signature: str = Field(description="Ed25519 signature over signed_message(signed_digest), base64")


@dataclass(frozen=True)
class SigningKey:
    """A loaded private key and its name (the key file's stem)."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)


def fingerprint(public_raw: bytes) -> str:
    return sha256_bytes(public_raw)


def signed_message(digest: str) -> bytes:
    """The exact bytes signed: a domain-separated statement of the manifest digest."""
    return f"cc-refund-collector bundle manifest sha256:{digest}\n".encode("ascii")


def new_key_pair(out_dir: Path, name: str) -> tuple[Path, Path]:
    """Create ``out_dir/<name>.key`` (0600) and ``out_dir/<name>.pub``; never overwrites."""
    if not name or "/" in name or name.startswith(".") or "\\" in name:
        raise SigningError(f"key name {name!r} must be a plain file name", out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out_dir / f"{name}{KEY_SUFFIX}", out_dir / f"{name}{PUBLIC_SUFFIX}"
    for path in (private_path, public_path):
        if path.exists():
            raise SigningError("a key with this name already exists; choose another --name", path)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    os.chmod(private_path, 0o600)  # the umask cannot widen it, but be explicit
    public_path.write_bytes(public_pem)
    return private_path, public_path


def _read_key_file(path: Path) -> bytes:
    """A key file's bytes; a named pipe or device is refused, never waited on."""
    try:
        return read_regular_file(path)
    except BundleFormatError as exc:
        raise SigningError(exc.message, path) from None
    except IsADirectoryError:
        raise SigningError("a folder, not a key file", path) from None


def load_signing_key(path: Path) -> SigningKey:
    """Load a private key written by ``new_key_pair`` (name = file stem)."""
    try:
        key = serialization.load_pem_private_key(_read_key_file(path), password=None)
    except FileNotFoundError as exc:
        raise SigningError("no such key file", path) from exc
    except (ValueError, TypeError) as exc:
        raise SigningError("not an unencrypted PEM private key", path) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError("not an Ed25519 private key", path)
    return SigningKey(name=path.stem, private_key=key)


def sign_digest(key: SigningKey, digest: str, at: datetime) -> SignatureFile:
    signature = key.private_key.sign(signed_message(digest))
    return SignatureFile(
        key_name=key.name,
        fingerprint=key.fingerprint,
        public_key=base64.b64encode(key.public_raw).decode("ascii"),
        signed_digest=digest,
        signed_at=at,
        signature=base64.b64encode(signature).decode("ascii"),
    )


def load_trusted_keys(folder: Path) -> dict[str, str]:
    """``{fingerprint: key name}`` for every ``*.pub`` in ``folder``."""
    if not folder.is_dir():
        raise SigningError("the trusted-keys folder does not exist", folder)
    trusted: dict[str, str] = {}
    for path in sorted(folder.glob(f"*{PUBLIC_SUFFIX}")):
        try:
            key = serialization.load_pem_public_key(_read_key_file(path))
        except ValueError as exc:
            raise SigningError("not a PEM public key", path) from exc
        if isinstance(key, Ed25519PublicKey):
            raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            trusted[fingerprint(raw)] = path.stem
    return trusted


@dataclass(frozen=True)
class SignatureCheck:
    """What a signature check found: problems, and who signed (when it could be read)."""

    problems: list[Problem]
    signer: str | None = None


def check_signature(data: bytes, digest: str | None, trusted: dict[str, str] | None) -> SignatureCheck:
    """Check ``manifest.sig`` bytes against the manifest digest and, if given, the trusted keys."""
    try:
        sig = SignatureFile.model_validate(serialize.loads(data, SIGNATURE))
        public_raw = base64.b64decode(sig.public_key, validate=True)
        signature = base64.b64decode(sig.signature, validate=True)
        public_key = Ed25519PublicKey.from_public_bytes(public_raw)
    except (BundleFormatError, ValidationError, binascii.Error, ValueError) as exc:
        message = "the signature file cannot be read" + (
            f": {exc.message}" if isinstance(exc, BundleFormatError) else ""
        )
        return SignatureCheck([Problem(code="signature.malformed", path=SIGNATURE, message=message)])
    problems: list[Problem] = []
    signer = f"{sig.key_name} ({sig.fingerprint[:16]})"
    if fingerprint(public_raw) != sig.fingerprint:
        problems.append(
            Problem(
                code="signature.fingerprint", path=SIGNATURE, message="the fingerprint does not match the public key"
            )
        )
    if digest is not None and sig.signed_digest != digest:
        problems.append(
            Problem(
                code="signature.stale",
                path=SIGNATURE,
                message=f"signed a different manifest digest (key {signer}); the manifest changed after signing",
            )
        )
    try:
        public_key.verify(signature, signed_message(sig.signed_digest))
    except InvalidSignature:
        problems.append(
            Problem(code="signature.invalid", path=SIGNATURE, message=f"the signature does not verify (key {signer})")
        )
    if trusted is not None and sig.fingerprint not in trusted:
        problems.append(
            Problem(
                code="signature.untrusted", path=SIGNATURE, message=f"key {signer} is not in the trusted-keys folder"
            )
        )
    elif trusted is not None:
        signer = f"{trusted[sig.fingerprint]} ({sig.fingerprint[:16]}, trusted)"
    return SignatureCheck(problems, signer)
