"""What every command prints to a terminal goes through here: one console, tables that fit.

* ``make_console``: a rich console that honours ``NO_COLOR`` (no ANSI codes at all, even when a
  terminal is forced with ``FORCE_COLOR``) and, when the output is not a terminal and
  ``COLUMNS`` is not set, lays out for 140 columns (CI logs) instead of rich's 80.
* ``fit_table``: a table whose columns fit the console: low-value columns are dropped (by their
  rank) until every row fits on one line; when even the columns that must stay do not, the
  columns that may wrap do (a deadline between its date and its clock time), and fewer columns
  are dropped. A cell is never cut to "…": verdicts and times stay whole on their line, and only
  on a terminal too narrow for them do they wrap, between words.
* ``print_line``: one logical line (a summary, a path) that the console never breaks inside a
  word: word-wrapped on a terminal, left whole (soft-wrapped) elsewhere.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Literal

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

PIPE_WIDTH = 140


def no_color() -> bool:
    """``NO_COLOR`` set to anything but the empty string (https://no-color.org)."""
    return os.environ.get("NO_COLOR", "") != ""


def make_console(*, stderr: bool = False, file: IO[str] | None = None, width: int | None = None) -> Console:
    """The console a command prints with (see the module docstring)."""
    console = Console(
        file=file,
        stderr=stderr,
        width=width,
        color_system=None if no_color() else "auto",
        no_color=no_color() or None,
    )
    if width is None and file is None and not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPE_WIDTH
    return console


def print_line(console: Console, text: str | Text, *, style: str | None = None) -> None:
    """Print one logical line without breaking it inside a word (or a path)."""
    body = text if isinstance(text, Text) else Text(text, style=style or "")
    console.print(body, soft_wrap=not console.is_terminal, highlight=False)


@dataclass(frozen=True)
class Column:
    """A table column. ``drop``: 0 = always shown; the highest ranks go first when space runs out
    (rank 1: dropped only when wrapping the others is not enough).
    ``wrap``: the cells may wrap between words (anything else is laid out whole on one line).
    ``min_width``: the narrowest a wrapping column may get (default: half its natural width, or
    the longer half of a line broken at ``split_at``)."""

    header: str
    drop: int = 0
    wrap: bool = False
    min_width: int | None = None
    justify: Literal["left", "right"] = "left"
    split_at: str | None = None  # narrower than a line: break it after the last one (a date, then its time)


Cell = str | Text


def _lines(cell: Cell) -> list[str]:
    plain = cell.plain if isinstance(cell, Text) else cell
    return plain.splitlines() or [""]


def _longest_word(texts: Sequence[str]) -> int:
    return max((cell_len(word) for text in texts for word in text.split()), default=1)


def _split(line: Cell, at: str) -> Cell:
    """``line`` broken after the last ``at`` (its trailing spaces dropped): ``Nov 21, 2026,`` /
    ``10:00 AM CST``. Styles are kept."""
    plain = line.plain if isinstance(line, Text) else line
    cut = plain.rfind(at)
    if cut < 0:
        return line
    head, tail = cut + len(at.rstrip()), cut + len(at)
    if isinstance(line, Text):
        return line[:head] + Text("\n") + line[tail:]
    return plain[:head] + "\n" + plain[tail:]


def _split_lines(cell: Cell, at: str, width: int) -> Cell:
    """Every line of ``cell`` longer than ``width`` broken at ``at`` (see ``_split``)."""
    if isinstance(cell, Text):
        parts = cell.split("\n")
        out = Text()
        for n, part in enumerate(parts):
            out.append_text(_split(part, at) if part.cell_len > width else part)
            if n < len(parts) - 1:
                out.append("\n")
        return out
    return "\n".join(_split(line, at) if cell_len(line) > width else line for line in cell.split("\n"))  # type: ignore[misc]


def _overhead(columns: int) -> int:
    """Borders and padding of a boxed table: one space each side of a cell, one rule between."""
    return 3 * columns + 1


def fit_widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int) -> dict[int, int]:
    """``{column index: content width}`` of the columns shown at ``width`` characters.

    1. One line per row if dropping the low-value columns (rank 2 and up) gets there.
    2. Else wrapping columns shrink to their minimum, dropping rank 1 columns too if needed.
    3. Else (a very narrow terminal) the columns kept whole may wrap too, between words, down to
       half their width. Spare width goes back to the columns kept whole first, then to the
       others, the smallest shortfall first. Nothing is ever cut."""
    natural: list[int] = []
    minimum: list[int] = []
    last_resort: list[int] = []
    for i, column in enumerate(columns):
        lines = [line for row in rows for line in _lines(row[i])]
        header_word = _longest_word([column.header])
        widest = max([cell_len(line) for line in lines] + [header_word])
        natural.append(widest)
        half = max(_longest_word(lines), math.ceil(widest / 2), header_word)
        if column.wrap:
            if column.min_width is not None:
                floor = column.min_width
            elif column.split_at:
                parts = [part for line in lines for part in str(_split(line, column.split_at)).splitlines()]
                floor = max((cell_len(part) for part in parts), default=1)
            else:
                floor = half
            minimum.append(min(widest, max(floor, header_word)))
        else:
            minimum.append(widest)
        last_resort.append(min(minimum[-1], half))

    def fits(shown: list[int], widths: list[int]) -> bool:
        return sum(widths[i] for i in shown) + _overhead(len(shown)) <= width

    def drop_until_fits(widths: list[int], lowest: int) -> list[int]:
        shown = list(range(len(columns)))
        while not fits(shown, widths):
            droppable = [i for i in shown if columns[i].drop >= lowest]
            if not droppable:
                break
            shown.remove(max(droppable, key=lambda i: (columns[i].drop, i)))
        return shown

    shown = drop_until_fits(natural, 2)
    floor = natural
    if not fits(shown, natural):
        shown, floor = drop_until_fits(minimum, 1), minimum
        if not fits(shown, minimum):
            floor = last_resort
    widths = {i: floor[i] for i in shown}
    spare = width - sum(widths.values()) - _overhead(len(shown))
    for i in sorted(shown, key=lambda i: (columns[i].wrap, natural[i] - widths[i], i)):
        if spare <= 0:
            break
        grow = min(spare, natural[i] - widths[i])
        widths[i] += grow
        spare -= grow
    return widths


def fit_table(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int, *, title: str | None = None
) -> Table:
    """A table of ``rows`` laid out for ``width`` characters (see ``fit_widths``)."""
    widths = fit_widths(columns, rows, width)
    table = Table(title=title)
    for i, column in enumerate(columns):
        if i not in widths:
            continue
        header = "\n".join(textwrap.wrap(column.header, widths[i], break_long_words=False)) or column.header
        whole = max([cell_len(line) for row in rows for line in _lines(row[i])], default=0) <= widths[i]
        table.add_column(
            header, width=widths[i], no_wrap=whole and not column.wrap, overflow="fold", justify=column.justify
        )
    for row in rows:
        table.add_row(*(_fit_cell(columns[i], cell, widths[i]) for i, cell in enumerate(row) if i in widths))
    return table


def _fit_cell(column: Column, cell: Cell, width: int) -> Cell:
    return _split_lines(cell, column.split_at, width) if column.split_at else cell
