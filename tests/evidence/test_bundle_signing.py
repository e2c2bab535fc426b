"""Ed25519 keys and signatures: who signed, whether we trust them, and what breaks a signature."""

from __future__ import annotations

import base64
import dataclasses
import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from evidence.bundle import append_assessment, load_signing_key, verify_bundle, verify_path, write_bundle
from evidence.bundle.example import example_artifacts, example_assessment, example_case, example_context, fixed_clock
from evidence.bundle.signing import load_trusted_keys

runner = CliRunner()


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["keys", "new", "--out", str(tmp_path / "keys"), "--name", "ops-laptop"])
    assert result.exit_code == 0, result.output
    return tmp_path / "keys"


@pytest.fixture
def signed(tmp_path: Path, keys: Path) -> Path:
    context = dataclasses.replace(example_context(), signing_key=load_signing_key(keys / "ops-laptop.key"))
    return write_bundle(tmp_path / "out", example_case(), example_artifacts(), context, clock=fixed_clock).path


def test_keys_new_writes_a_private_key_only_its_owner_can_read(keys: Path) -> None:
    private = keys / "ops-laptop.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert (keys / "ops-laptop.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_keys_new_refuses_to_overwrite_a_key(keys: Path) -> None:
    result = runner.invoke(app, ["keys", "new", "--out", str(keys), "--name", "ops-laptop"])
    assert result.exit_code == 2
    assert "already exists" in result.output and "Traceback" not in result.output


def test_a_signed_bundle_verifies_and_names_the_key(signed: Path, keys: Path) -> None:
    report = verify_bundle(signed)
    fingerprint = load_signing_key(keys / "ops-laptop.key").fingerprint
    assert report.ok, report.problems
    assert report.signer == f"ops-laptop ({fingerprint[:16]})"
    trusted = verify_bundle(signed, load_trusted_keys(keys))
    assert trusted.ok and trusted.signer == f"ops-laptop ({fingerprint[:16]}, trusted)"
    result = runner.invoke(app, ["verify", "--trusted-keys", str(keys), str(signed)])
    assert result.exit_code == 0 and "signed by ops-laptop" in result.output and "trusted" in result.output


def test_a_key_outside_the_trusted_folder_is_reported_untrusted(signed: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-keys"
    runner.invoke(app, ["keys", "new", "--out", str(other), "--name", "someone"])
    assert {p.code for p in verify_bundle(signed, load_trusted_keys(other)).problems} == {"signature.untrusted"}


def test_an_unsigned_bundle_fails_when_trusted_keys_are_required(tmp_path: Path, keys: Path) -> None:
    bundle = write_bundle(
        tmp_path / "u", example_case(), example_artifacts(), example_context(), clock=fixed_clock
    ).path
    result = runner.invoke(app, ["verify", "--trusted-keys", str(keys), str(bundle)])
    assert result.exit_code == 1 and "signature.missing" in result.output


def test_a_broken_signature_is_reported(signed: Path) -> None:
    sig_path = signed / "manifest.sig"
    sig = json.loads(sig_path.read_text())
    raw = bytearray(base64.b64decode(sig["signature"]))
    raw[0] ^= 0xFF
    sig["signature"] = base64.b64encode(bytes(raw)).decode()
    sig_path.write_text(json.dumps(sig))
    result = runner.invoke(app, ["verify", str(signed)])
    assert result.exit_code == 1
    assert "signature.invalid" in result.output


def test_a_resealed_manifest_with_the_old_signature_is_reported_stale(signed: Path, keys: Path) -> None:
    sig = (signed / "manifest.sig").read_bytes()
    append_assessment(
        signed,
        example_assessment(),
        "policy-engine",
        fixed_clock,
        signing_key=load_signing_key(keys / "ops-laptop.key"),
    )
    assert verify_bundle(signed).ok
    (signed / "manifest.sig").write_bytes(sig)
    assert {p.code for p in verify_bundle(signed).problems} == {"signature.stale"}


def test_reassessing_without_a_key_drops_the_signature_and_says_so(signed: Path) -> None:
    append_assessment(signed, example_assessment(), "policy-engine", fixed_clock)
    assert not (signed / "manifest.sig").exists()
    report = verify_bundle(signed)
    assert report.ok and report.signer is None
    last = (signed / "custody.jsonl").read_text().splitlines()[-1]
    assert "dropped" in json.loads(last)["details"]["signature"]


def test_a_garbage_signature_file_is_reported_malformed(signed: Path) -> None:
    (signed / "manifest.sig").write_text("not json")
    assert not verify_path(signed).ok
    assert {p.code for p in verify_bundle(signed).problems} == {"signature.malformed"}


def test_a_named_pipe_as_a_key_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    from evidence.bundle.errors import SigningError
    from evidence.bundle.signing import load_signing_key, load_trusted_keys

    pipe = tmp_path / "team.pub"
    os.mkfifo(pipe)
    with pytest.raises(SigningError, match="not a regular file"):
        load_trusted_keys(tmp_path)
    with pytest.raises(SigningError, match="not a regular file"):
        load_signing_key(pipe)
