"""The JSON Schema of the bundle's JSON files, generated from the models.

``docs/bundle.schema.json`` is this output; regenerate it after changing a model with
``python -m evidence.bundle.schema docs/bundle.schema.json`` (a test fails when it is stale).
The document validates ``manifest.json``; its ``$defs`` also hold ``CustodyEntry`` (one line of
``custody.jsonl``) and ``SignatureFile`` (``manifest.sig``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from evidence.bundle import serialize
from evidence.bundle.custody import CustodyEntry
from evidence.bundle.manifest import FORMAT_VERSION, Manifest
from evidence.bundle.signing import SignatureFile


def bundle_schema() -> dict[str, Any]:
    _, schema = models_json_schema(
        [(Manifest, "serialization"), (CustodyEntry, "serialization"), (SignatureFile, "serialization")],
        ref_template="#/$defs/{model}",
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:cc-refund-collector:bundle:{FORMAT_VERSION}",
        "title": f"Evidence bundle manifest, format {FORMAT_VERSION}",
        "$ref": "#/$defs/Manifest",
        "$defs": schema["$defs"],
    }


def schema_bytes() -> bytes:
    return serialize.dumps(bundle_schema())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path("docs/bundle.schema.json")
    target.write_bytes(schema_bytes())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
