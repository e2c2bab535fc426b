"""What a job collects: PO numbers from the command line, an orders file or a reconciliation report.

Each reader returns the valid POs it found in file order (duplicates removed) plus the lines it
skipped with the reason, so the CLI can say "12 POs; skipped line 4: ..." instead of failing the
whole file on one typo. A file with nothing usable in it is an ``InputError`` (exit 2).

Reconciliation reports are recognised by their header names, never by column positions (Walmart
adds columns over time; domain.md section 5):

- legacy CSV: ``Walmart.com PO #`` + ``Transaction Type``; a Customer Care refund is a row whose
  "... for Escalation" amounts are not all zero (inferred from the column names);
- current (V1) CSV or JSON: ``Purchase Order #`` + ``Transaction Type`` +
  ``Transaction Description``; row 2 is a non-data line and row 3 the PaymentSummary; a Customer
  Care refund is a ``Refund`` row whose description matches ``CC_DESCRIPTION`` (configurable:
  the exact wording is not public) and not ``Reversal``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from collector.errors import InputError, clip

# ASCII digits only: ``\d`` also matches Arabic-Indic or fullwidth digits, which no PO has.
PO_PATTERN = re.compile(r"[0-9]{8,20}")
CSV_DELIMITERS = ",;\t"
PO_COLUMNS = ("po", "po #", "po#", "po number", "purchase order #", "purchase order", "walmart.com po #", "purchaseordernumber")
LEGACY_PO = "Walmart.com PO #"
LEGACY_TYPE = "Transaction Type"
LEGACY_ESCALATION = (
    "Sales refund for Escalation",
    "Shipping refund for Escalation",
    "Fee refund for Escalation",
    "Tax on Sales refund for Escalation",
)
V1_PO = "Purchase Order #"
V1_TYPE = "Transaction Type"
V1_DESCRIPTION = "Transaction Description"
CC_DESCRIPTION = re.compile(r"customer\s*care", re.IGNORECASE)
CC_EXCLUDE = re.compile(r"reversal", re.IGNORECASE)
MAX_REPORTED_SKIPS = 20


@dataclass(frozen=True)
class SkippedLine:
    line: int
    text: str
    reason: str

    def describe(self) -> str:
        return f"line {self.line}: {self.reason}: {clip(self.text)}"


@dataclass
class InputBatch:
    """Valid POs (in order, unique) and what was skipped on the way."""

    pos: list[str] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    source: str = "cli"
    format: str = "list"
    # the POs already in ``pos``: a set beside the list keeps ``add`` O(1) (30,000 POs in a blink)
    _seen: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        given, self.pos = self.pos, []
        for po in given:
            self.add(po)

    def add(self, po: str) -> None:
        if po not in self._seen:
            self._seen.add(po)
            self.pos.append(po)

    def extend(self, other: InputBatch) -> None:
        for po in other.pos:
            self.add(po)
        self.skipped.extend(other.skipped)

    def skipped_summary(self) -> list[str]:
        lines = [f"{self.source}: skipped {s.describe()}" for s in self.skipped[:MAX_REPORTED_SKIPS]]
        if len(self.skipped) > MAX_REPORTED_SKIPS:
            lines.append(f"{self.source}: ... and {len(self.skipped) - MAX_REPORTED_SKIPS} more skipped lines")
        return lines


def validate_po(text: str) -> str:
    """A PO number as typed (spaces and dashes between digit groups allowed) -> its digits."""
    value = re.sub(r"[\s-]", "", text or "")
    if not PO_PATTERN.fullmatch(value):
        raise InputError(f"not a PO number: {clip(text or '')} (expected 8 to 20 digits, e.g. 4342076435326)")
    return value


def pos_from_cli(values: list[str]) -> InputBatch:
    batch = InputBatch(source="--po")
    for value in values:
        batch.add(validate_po(value))  # a typo on the command line is an error, not a skip
    return batch


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if not path.is_file():
        raise InputError("not a file", path=str(path))
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not a text file (expected UTF-8 CSV or one PO per line)", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.strip().lower())


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _is_po(text: str) -> bool:
    try:
        validate_po(text)
    except InputError:
        return False
    return True


def read_orders_file(path: Path) -> InputBatch:
    """One PO per line (``#`` comments and blank lines ignored), or a CSV with a PO column.

    Comment lines never count, whatever they hold: a comma in a comment does not make a CSV, and
    a file of comments only has no PO. The format is decided on the first other line.
    """
    text = _read_text(path)
    batch = InputBatch(source=str(path), format="lines")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InputError("the orders file is empty (expected one PO per line, or a CSV with a PO column)", path=str(path))
    content = [(n, line) for n, line in enumerate(lines, start=1) if line.strip() and not _is_comment(line)]
    if not content:
        raise InputError("no PO number in the file, only comments (expected one PO per line, or a CSV with a PO column)",
                         path=str(path))
    first = content[0][1]
    if any(sep in first for sep in CSV_DELIMITERS) and not _is_po(first.split("#", 1)[0]):
        return _read_orders_csv(path, lines, first, batch)
    for n, line in content:
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        try:
            batch.add(validate_po(value))
        except InputError:
            batch.skipped.append(SkippedLine(n, line.strip(), "not a PO number"))
    if not batch.pos:
        raise InputError(f"no valid PO number in the file ({len(batch.skipped)} lines skipped; first: "
                         f"{batch.skipped[0].describe()})", path=str(path))
    return batch


def _csv_rows(text: str, path: Path, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """The non-blank rows of a CSV text, each with the line it starts on.

    No field is refused for its length: the whole file is in memory already, so the csv
    module's 128 KiB field limit is lifted to the text's size while this file is parsed.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        start = 1
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"not a readable CSV: {exc}", path=str(path), line=reader.line_num) from None
    finally:
        csv.field_size_limit(limit)
    return rows


def _read_orders_csv(path: Path, lines: list[str], header_line: str, batch: InputBatch) -> InputBatch:
    # The header's most frequent separator is the delimiter (no sniffing: it guesses wrong on short
    # files). Comment lines are blanked, not dropped, so line numbers stay the file's.
    delimiter = max(CSV_DELIMITERS, key=header_line.count)
    text = "\n".join("" if _is_comment(line) else line for line in lines)
    rows = _csv_rows(text, path, delimiter)
    names = rows[0][1]
    header = [_norm(h) for h in names]
    column = next((header.index(c) for c in PO_COLUMNS if c in header), None)
    if column is None:
        raise InputError(
            f"no PO column in the CSV header (looked for {', '.join(repr(c) for c in PO_COLUMNS[:5])}...; "
            f"found {', '.join(clip(h, 30) for h in names[:8])})",
            path=str(path),
        )
    batch.format = "csv"
    for n, row in rows[1:]:
        cell = row[column] if column < len(row) else ""
        try:
            batch.add(validate_po(cell))
        except InputError:
            batch.skipped.append(SkippedLine(n, delimiter.join(row), "not a PO number"))
    if not batch.pos:
        raise InputError("no valid PO number in the CSV's PO column", path=str(path))
    return batch


# --------------------------------------------------------------------------- reconciliation reports


@dataclass(frozen=True)
class ReconRefund:
    """A Customer Care refund row of a reconciliation report."""

    po: str
    line: int
    amount: Decimal | None
    posted: str
    description: str


@dataclass
class ReconResult(InputBatch):
    refunds: list[ReconRefund] = field(default_factory=list)


def _decimal(value: Any) -> Decimal | None:
    text = str(value or "").strip().replace("$", "").replace(",", "")
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def read_recon(path: Path, *, cc_description: re.Pattern[str] = CC_DESCRIPTION) -> ReconResult:
    """The POs of the Customer Care refunds in a legacy or current (V1) reconciliation report."""
    text = _read_text(path)
    if path.suffix.lower() == ".json":
        rows_with_no = _json_rows(text, path)
    else:
        rows_with_no = _csv_rows(text, path)
    if not rows_with_no:
        raise InputError("the reconciliation report is empty", path=str(path))
    _, header = rows_with_no[0]
    names = [h.strip() for h in header]
    result = ReconResult(source=str(path))
    if LEGACY_PO in names and LEGACY_TYPE in names:
        result.format = "recon-legacy"
        _pick_legacy(names, rows_with_no[1:], result)
    elif V1_PO in names and V1_TYPE in names and V1_DESCRIPTION in names:
        result.format = "recon-v1"
        _pick_v1(names, rows_with_no[1:], result, cc_description)
    else:
        raise InputError(
            "unknown reconciliation report: the header has neither the legacy columns "
            f"({LEGACY_PO!r}, {LEGACY_TYPE!r}) nor the current ones ({V1_PO!r}, {V1_TYPE!r}, "
            f"{V1_DESCRIPTION!r}); found {', '.join(clip(n, 30) for n in names[:6])}...",
            path=str(path),
        )
    if not result.pos and result.skipped:
        raise InputError(f"no usable Customer Care refund row ({result.skipped[0].describe()})", path=str(path))
    return result


def _json_rows(text: str, path: Path) -> list[tuple[int, list[str]]]:
    """A JSON report (a list of objects, or an object holding one under ``records`` or ``data``)
    as CSV-like rows: the header (every key, in first-seen order), then one row per record."""
    expected = "expected a list of objects, or an object with a 'records' list"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno}", path=str(path)) from None
    except RecursionError:
        raise InputError(f"not a usable JSON report: nested too deeply ({expected})", path=str(path)) from None
    records = (data.get("records") or data.get("data")) if isinstance(data, dict) else data
    if not isinstance(records, list) or not records:
        raise InputError(f"no records in the JSON report ({expected})", path=str(path))
    bad = next((n for n, record in enumerate(records, start=1) if not isinstance(record, dict)), None)
    if bad is not None:
        raise InputError(f"record {bad} is not an object ({expected})", path=str(path))
    names = list(dict.fromkeys(key for record in records for key in record))
    rows = [names] + [["" if r.get(k) is None else str(r.get(k)) for k in names] for r in records]
    return [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]


def _cells(names: list[str], row: list[str]) -> dict[str, str]:
    return {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(names)}


def _take(result: ReconResult, n: int, row: list[str], po_text: str, amount: Decimal | None, posted: str, desc: str) -> None:
    try:
        po = validate_po(po_text)
    except InputError:
        result.skipped.append(SkippedLine(n, ",".join(row), "not a PO number"))
        return
    result.add(po)
    result.refunds.append(ReconRefund(po, n, amount, posted, desc))


def _pick_legacy(names: list[str], rows: list[tuple[int, list[str]]], result: ReconResult) -> None:
    escalation = [c for c in LEGACY_ESCALATION if c in names]
    for n, row in rows:
        cells = _cells(names, row)
        if cells[LEGACY_TYPE].upper() not in ("REFUNDED", "REFUND", "ADJMNT"):
            continue
        amounts = [_decimal(cells[c]) for c in escalation]
        if not any(a for a in amounts if a is not None):
            continue  # a refund, but not one Customer Care issued
        total = sum((a for a in amounts if a is not None), Decimal(0))
        _take(result, n, row, cells[LEGACY_PO], total, cells.get("Transaction Date Time", ""), "escalation refund")


def _pick_v1(
    names: list[str], rows: list[tuple[int, list[str]]], result: ReconResult, cc_description: re.Pattern[str]
) -> None:
    for n, row in rows:
        cells = _cells(names, row)
        kind = cells[V1_TYPE].strip().lower()
        if kind != "refund":
            continue  # Sale, PaymentSummary, the non-data row 2, fees...
        desc = cells[V1_DESCRIPTION]
        if not cc_description.search(desc) or CC_EXCLUDE.search(desc):
            continue
        _take(result, n, row, cells[V1_PO], _decimal(cells.get("Amount")), cells.get("Transaction Posted Timestamp", ""), desc)


# --------------------------------------------------------------------------- --scan-since

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE | re.ASCII)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """``48h``, ``90m``, ``3d``, ``1w`` before ``now``, or an ISO 8601 time (UTC when no offset)."""
    match = _DURATION.match(text or "")
    if match:
        amount, unit = float(match.group(1)), _UNITS[match.group(2).lower()]
        return now - timedelta(**{unit: amount})
    try:
        when = datetime.fromisoformat(text.strip())  # 3.11 reads a trailing "Z"
    except ValueError:
        raise InputError(f"--scan-since: not a duration or a time: {clip(text)} (e.g. 48h, 3d, 2026-11-18T00:00Z)") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
