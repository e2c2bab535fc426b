"""Deterministic JSON: the same data always gives the same bytes.

Documents are UTF-8 (not ASCII-escaped), keys sorted, two-space indented, one trailing newline.
Custody log lines are the same, compact, one object per line. Models are dumped in JSON mode,
so datetimes are ``...Z`` strings and money is a decimal string (see ``evidence.models``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from evidence.bundle.errors import BundleFormatError


def to_jsonable(value: Any) -> Any:
    """Models become plain JSON values; lists of models too; everything else passes through."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    return value


def dumps(value: Any) -> bytes:
    """A JSON document: sorted keys, UTF-8, indent 2, trailing newline."""
    text = json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def dumps_line(value: Any) -> bytes:
    """One JSON-lines record: compact, sorted keys, UTF-8, ending in a newline."""
    text = json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def loads(data: bytes, path: str = "<json>") -> Any:
    """Parse UTF-8 JSON, turning decoding and syntax errors into one readable line."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BundleFormatError(f"not UTF-8 text (byte {exc.start})", path) from exc
    except json.JSONDecodeError as exc:
        raise BundleFormatError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", path) from exc
    except RecursionError:  # e.g. 100,000 nested brackets: hostile, never a bundle file
        raise BundleFormatError("not valid JSON: nested too deeply", path) from None
