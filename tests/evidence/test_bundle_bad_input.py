"""Hostile bundle files: JSON nested 100,000 deep, named pipes in place of files, --out a file.
Each is a problem or one readable error; never a RecursionError, a hang or a FileExistsError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from evidence.bundle import BundleError, BundleFormatError, export_bundles, read_bundle, verify_bundle, write_bundle
from evidence.bundle import custody, serialize
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from evidence.models import Order

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(
        tmp_path / "out", example_case(), example_artifacts(), example_context(), clock=fixed_clock
    ).path


def codes(path: Path) -> dict[str, str]:
    return {problem.code: problem.message for problem in verify_bundle(path).problems}


def test_json_nested_too_deeply_is_a_format_error() -> None:
    with pytest.raises(BundleFormatError, match="manifest.json: not valid JSON: nested too deeply"):
        serialize.loads(DEEP, "manifest.json")


def test_a_deep_manifest_is_reported_and_not_read(bundle: Path) -> None:
    (bundle / "manifest.json").write_bytes(DEEP)
    assert "nested too deeply" in codes(bundle)["manifest.unreadable"]
    with pytest.raises(BundleFormatError, match="nested too deeply"):
        read_bundle(bundle)


def test_a_deep_custody_line_is_reported_and_not_read(bundle: Path) -> None:
    with open(bundle / "custody.jsonl", "ab") as log:
        log.write(DEEP + b"\n")
    assert "nested too deeply" in codes(bundle)["custody.malformed"]
    with pytest.raises(BundleFormatError, match="nested too deeply"):
        custody.parse_log((bundle / "custody.jsonl").read_bytes())
    with pytest.raises(BundleFormatError):
        read_bundle(bundle)


def test_a_deep_case_is_reported(bundle: Path) -> None:
    (bundle / "data" / "case.json").write_bytes(DEEP)
    assert "nested too deeply" in codes(bundle)["data.invalid"]


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", ["captures/01-refund-details.png", "data/case.json", "manifest.json", "custody.jsonl"])
def test_a_named_pipe_in_place_of_a_file_is_not_a_regular_file(bundle: Path, name: str) -> None:
    (bundle / name).unlink()
    os.mkfifo(bundle / name)
    found = codes(bundle)
    assert found["file.not_regular"] == "not a regular file (a named pipe)"
    assert "file.missing" not in found  # one problem for one file
    if name != "captures/01-refund-details.png":  # read_bundle does not read the captures
        with pytest.raises(BundleFormatError, match="not a regular file"):
            read_bundle(bundle)
    with pytest.raises(BundleError, match="not a regular file"):
        export_bundles([bundle], bundle.parent.parent / "zips", actor="test", clock=fixed_clock)


def test_an_unlisted_named_pipe_is_reported(bundle: Path) -> None:
    os.mkfifo(bundle / "captures" / "extra.png")
    assert codes(bundle) == {"file.not_regular": "not a regular file (a named pipe)"}


def test_a_folder_in_place_of_a_listed_file_is_a_format_error(bundle: Path) -> None:
    (bundle / "data" / "case.json").unlink()
    (bundle / "data" / "case.json").mkdir()
    with pytest.raises(BundleFormatError, match="not a regular file"):
        read_bundle(bundle)


@pytest.mark.parametrize("out", ["file.zip", "file.zip/below"])
def test_export_into_a_file_is_a_bundle_error(bundle: Path, tmp_path: Path, out: str) -> None:
    (tmp_path / "file.zip").write_text("not a folder")
    with pytest.raises(BundleError, match="not a folder"):
        export_bundles([bundle], tmp_path / out, actor="test", clock=fixed_clock)


@pytest.mark.parametrize("po", ["٤٣٤٢٠٧٦٤٣٥٣٢٦", "４３４２０７６４３５３２６"])
def test_an_order_po_in_non_ascii_digits_is_refused(po: str) -> None:
    order = example_case().order
    assert order is not None
    with pytest.raises(ValidationError, match="String should match pattern"):
        Order.model_validate({**order.model_dump(), "po": po})
