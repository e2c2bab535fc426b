"""docs/bundle.schema.json is generated from the models, is current, and validates real files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from evidence.bundle import write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from evidence.bundle.schema import schema_bytes

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "bundle.schema.json"


def test_the_committed_schema_matches_the_models() -> None:
    assert SCHEMA.read_bytes() == schema_bytes(), (
        "docs/bundle.schema.json is stale: run `python -m evidence.bundle.schema docs/bundle.schema.json`"
    )


def test_a_written_manifest_validates_against_the_schema_and_a_broken_one_does_not(tmp_path: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    ref = write_bundle(tmp_path, example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    manifest = json.loads((ref.path / "manifest.json").read_text())
    jsonschema.validate(manifest, schema)
    manifest["files"][0]["sha256"] = "not-a-hash"
    validator = jsonschema.Draft202012Validator(schema)
    assert [error.message for error in validator.iter_errors(manifest)]


def test_custody_entries_validate_against_their_definition(tmp_path: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    entry_schema = {**schema, "$ref": "#/$defs/CustodyEntry"}
    ref = write_bundle(tmp_path, example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    for line in (ref.path / "custody.jsonl").read_text().splitlines():
        jsonschema.validate(json.loads(line), entry_schema)
