"""Progress display: a rich bar on a terminal, plain lines otherwise (CI, pipes, log files).

Both show orders done / total, failures, the rate (orders a minute) and an ETA. The rich bar
takes over the console while it runs, so log lines are printed through it (above the bar).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Literal, Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from collector import logging as collector_logging
from collector.terminal import make_console

ProgressMode = Literal["auto", "rich", "plain"]


class ProgressView(Protocol):
    def start(self, total: int, done: int) -> None: ...
    def add_total(self, n: int) -> None: ...
    def order_finished(self, po: str, state: str, detail: str = "") -> None: ...
    def close(self) -> None: ...


class _Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.total = 0
        self.done_before = 0
        self.done = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def rate_per_min(self) -> float:
        elapsed = time.monotonic() - self.t0
        finished = self.done + self.failed
        return finished / elapsed * 60 if elapsed > 0 and finished else 0.0

    def eta_s(self) -> float | None:
        rate = self.rate_per_min()
        left = self.total - self.done_before - self.done - self.failed
        return left / rate * 60 if rate else None


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA -"
    minutes, secs = divmod(int(seconds), 60)
    return f"ETA {minutes}:{secs:02d}"


class PlainProgress:
    """One line per finished order: ``[3/10] 4342076435326 written (1 refund) | 1 failed | 12.0/min | ETA 0:35``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.c = _Counts()

    def start(self, total: int, done: int) -> None:
        with self.c.lock:
            self.c.total, self.c.done_before = total, done
        if done:
            print(f"Resuming: {done} of {total} orders already done.", file=self.stream, flush=True)

    def add_total(self, n: int) -> None:
        with self.c.lock:
            self.c.total += n

    def order_finished(self, po: str, state: str, detail: str = "") -> None:
        with self.c.lock:
            if state == "failed":
                self.c.failed += 1
            elif state != "requeued":  # back in the queue: not finished, shown but not counted
                self.c.done += 1
            n = self.c.done_before + self.c.done + self.c.failed
            line = (
                f"[{n}/{self.c.total}] {po} {state}{f' ({detail})' if detail else ''} | {self.c.failed} failed | "
                f"{self.c.rate_per_min():.1f}/min | {_fmt_eta(self.c.eta_s())}"
            )
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichProgress:
    """A live bar: done/total, failed, rate, elapsed and ETA."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or make_console(stderr=True)
        self.c = _Counts()
        self._progress = Progress(
            TextColumn("[bold]Collecting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[eta]}"),
            console=self.console,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, total: int, done: int) -> None:
        with self.c.lock:
            self.c.total, self.c.done_before = total, done
        self._task = self._progress.add_task("orders", total=total, completed=done, failed=0, rate="", eta="")
        self._progress.start()
        self._previous_console = collector_logging.get_console()
        collector_logging.set_console(lambda line: self._progress.console.print(line, markup=False, highlight=False))

    def add_total(self, n: int) -> None:
        with self.c.lock:
            self.c.total += n
        if self._task is not None:
            self._progress.update(self._task, total=self.c.total)

    def order_finished(self, po: str, state: str, detail: str = "") -> None:
        if state == "requeued":
            return  # back in the queue: the bar moves when it finishes
        with self.c.lock:
            if state == "failed":
                self.c.failed += 1
            else:
                self.c.done += 1
            fields = {"failed": self.c.failed, "rate": f"{self.c.rate_per_min():.1f}/min", "eta": _fmt_eta(self.c.eta_s())}
        if self._task is not None:
            self._progress.update(self._task, advance=1, **fields)

    def close(self) -> None:
        self._progress.stop()
        collector_logging.set_console(getattr(self, "_previous_console", None))


class QuietProgress:
    """``collector -q``: no progress at all (the summary at the end still prints)."""

    def start(self, total: int, done: int) -> None:
        pass

    def add_total(self, n: int) -> None:
        pass

    def order_finished(self, po: str, state: str, detail: str = "") -> None:
        pass

    def close(self) -> None:
        pass


def make_progress(mode: str = "auto", stream: TextIO | None = None) -> ProgressView:
    """``auto``: the rich bar when stderr is a terminal, else plain lines on stdout; nothing
    under ``collector -q``."""
    if collector_logging.verbosity() < 0:
        return QuietProgress()
    if mode == "rich" or (mode == "auto" and sys.stderr.isatty()):
        return RichProgress()
    return PlainProgress(stream)
