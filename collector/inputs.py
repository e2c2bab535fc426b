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

from collector.errors import InputError

PO_PATTERN = re.compile(r"^\d{8,20}$")
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
        return f"line {self.line}: {self.reason}: {self.text[:60]!r}"


@dataclass
class InputBatch:
    """Valid POs (in order, unique) and what was skipped on the way."""

    pos: list[str] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    source: str = "cli"
    format: str = "list"

    def add(self, po: str) -> None:
        if po not in self.pos:
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
        raise InputError(f"not a PO number: {text!r} (expected 8 to 20 digits, e.g. 4342076435326)")
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


def read_orders_file(path: Path) -> InputBatch:
    """One PO per line (``#`` comments and blank lines ignored), or a CSV with a PO column."""
    text = _read_text(path)
    batch = InputBatch(source=str(path), format="lines")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InputError("the orders file is empty (expected one PO per line, or a CSV with a PO column)", path=str(path))
    first = next(line for line in lines if line.strip())
    if "," in first or "\t" in first or ";" in first:
        return _read_orders_csv(path, text, batch)
    for n, line in enumerate(lines, start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        try:
            batch.add(validate_po(value))
        except InputError as exc:
            batch.skipped.append(SkippedLine(n, line.strip(), str(exc).split(" (")[0]))
    if not batch.pos:
        raise InputError(f"no valid PO number in the file ({len(batch.skipped)} lines skipped; first: "
                         f"{batch.skipped[0].describe()})", path=str(path))
    return batch


def _read_orders_csv(path: Path, text: str, batch: InputBatch) -> InputBatch:
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text else csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    header = [_norm(h) for h in rows[0]]
    column = next((header.index(c) for c in PO_COLUMNS if c in header), None)
    if column is None:
        raise InputError(
            f"no PO column in the CSV header (looked for {', '.join(repr(c) for c in PO_COLUMNS[:5])}...; "
            f"found {', '.join(repr(h) for h in rows[0][:8])})",
            path=str(path),
        )
    batch.format = "csv"
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = row[column] if column < len(row) else ""
        try:
            batch.add(validate_po(cell))
        except InputError as exc:
            batch.skipped.append(SkippedLine(n, ",".join(row), str(exc).split(" (")[0]))
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
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno}", path=str(path)) from None
        records = data if isinstance(data, list) else data.get("records") or data.get("data") or []
        if not records or not isinstance(records[0], dict):
            raise InputError("no records in the JSON report (expected a list of objects)", path=str(path))
        rows = [list(records[0].keys())] + [[str(r.get(k, "")) for k in records[0]] for r in records]
    else:
        rows = list(csv.reader(io.StringIO(text)))
    rows_with_no = [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
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
            f"{V1_DESCRIPTION!r}); found {', '.join(repr(n) for n in names[:6])}...",
            path=str(path),
        )
    if not result.pos and result.skipped:
        raise InputError(f"no usable Customer Care refund row ({result.skipped[0].describe()})", path=str(path))
    return result


def _cells(names: list[str], row: list[str]) -> dict[str, str]:
    return {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(names)}


def _take(result: ReconResult, n: int, row: list[str], po_text: str, amount: Decimal | None, posted: str, desc: str) -> None:
    try:
        po = validate_po(po_text)
    except InputError as exc:
        result.skipped.append(SkippedLine(n, ",".join(row), str(exc).split(" (")[0]))
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

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
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
        raise InputError(f"--scan-since: not a duration or a time: {text!r} (e.g. 48h, 3d, 2026-11-18T00:00Z)") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
