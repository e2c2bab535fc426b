"""``collector watch --out DIR [--every 30m] [--once | --cycles N]``: collect, track and alert on
a schedule (see collector/watch.py for a cycle, docs/scheduling.md for systemd and cron).

One line per cycle on stdout. SIGTERM or Ctrl-C stops it cleanly (exit 0). With ``--once`` or
``--cycles N`` the exit code is the last cycle's: 0 ok, 1 failed (retried on the next run). Exit 2
for usage or settings errors, and when another watcher holds the folder.
"""

from __future__ import annotations

import re
import signal
from datetime import UTC, timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from filelock import FileLock, Timeout

from collector.commands._accounts import accounts_for
from collector.claims import STATE_DIR
from collector.errors import EXIT_FAILED, EXIT_USAGE, ConfigError, operator_errors
from collector.folders import absolute
from collector.settings import load_settings
from collector.watch import LOCK, CycleResult, Watcher, WatchOptions

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*$", re.IGNORECASE | re.ASCII)
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str, option: str) -> timedelta:
    match = _DURATION.match(text or "")
    if not match or float(match.group(1)) <= 0:
        raise typer.BadParameter(f"not a duration: {text[:40]!r} (e.g. 30m, 2h, 1d)", param_hint=option)
    return timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})


def _line(n: int, result: CycleResult) -> str:
    at = result.started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if result.error == "stopped":
        return f"cycle {n} at {at} stopped (SIGTERM or Ctrl-C): its orders go back to the queue for the next run"
    if not result.ok:
        return f"cycle {n} at {at} failed: {result.error} (retried on the next tick)"
    return (f"cycle {n} at {at}: {len(result.new_refunds)} new refund(s), {result.changes} dispute change(s), "
            f"{result.alerts_sent} alert(s) sent" + (f", {result.alerts_failed} to retry" if result.alerts_failed else ""))


def watch(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Output folder (bundles/, jobs/, .collector/).")] = Path("out"),
    every: Annotated[str, typer.Option("--every", help="Time between cycles (30m, 2h).")] = "30m",
    once: Annotated[bool, typer.Option("--once", help="One cycle, then exit (for a systemd timer or cron).")] = False,
    cycles: Annotated[int | None, typer.Option("--cycles", min=1, help="Stop after N cycles.")] = None,
    since: Annotated[str, typer.Option("--since", help="How far back the first scan of this folder looks.")] = "48h",
    margin: Annotated[str, typer.Option("--margin", help="Each scan overlaps the last successful one by this much.")] = "1h",
    no_track: Annotated[bool, typer.Option("--no-track", help="Do not read the Disputes dashboard.")] = False,
    calendar: Annotated[Path | None, typer.Option("--calendar", help="Rewrite this .ics deadline calendar after every cycle.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file.")] = None,
    all_accounts: Annotated[bool, typer.Option("--all-accounts", help="One watcher per seller account of the accounts file, side by side, each on its own output folder (docs/accounts.md).")] = False,
    distributed: Annotated[bool | None, typer.Option("--distributed/--local", help="Scan, collect and track as tasks for `collector worker` processes, followed here (needs database_url; setting `distributed`).")] = None,
) -> None:
    """Scan, collect, track disputes and send alerts every --every, until stopped (SIGTERM, Ctrl-C)."""
    if once and cycles is not None:
        typer.echo("error: give --once or --cycles N, not both", err=True)
        raise typer.Exit(EXIT_USAGE)
    options = WatchOptions(every=parse_duration(every, "--every"), cycles=1 if once else cycles,
                           margin=parse_duration(margin, "--margin"), first_since=parse_duration(since, "--since"),
                           track=not no_track, calendar=absolute(calendar) if calendar else None)
    if all_accounts:
        raise typer.Exit(_watch_all_accounts(ctx, config, options, distributed))
    with operator_errors():
        settings = load_settings(config, distributed=distributed)
        watcher = Watcher(settings, absolute(out), options, on_cycle=lambda n, r: typer.echo(_line(n, r)))

        def on_term(signum: int, frame: FrameType | None) -> None:
            already = watcher.stopping.is_set()
            watcher.stop()
            if watcher.in_cycle and not already:
                raise KeyboardInterrupt  # inside a cycle: the job puts its orders back, as for Ctrl-C

        previous = signal.signal(signal.SIGTERM, on_term)
        try:
            watcher.run()
        except KeyboardInterrupt:  # Ctrl-C between cycles
            watcher.stop()
        finally:
            signal.signal(signal.SIGTERM, previous)
    results = watcher.results
    if options.cycles is not None and results and not results[-1].ok and not watcher.stopping.is_set():
        raise typer.Exit(EXIT_FAILED)


def _watch_all_accounts(ctx: typer.Context, config: Path | None, options: WatchOptions, distributed: bool | None) -> int:
    """A watcher per account, each on its own folder, their cycles in turn on every tick (one job
    at a time in this process); lines prefixed with the account. SIGTERM or Ctrl-C stops them as
    it stops one watcher. Exit: 2 when a folder is held by another watcher or a setting is bad;
    with --once/--cycles, 1 when an account's last cycle failed."""
    watchers: list[Watcher] = []
    with operator_errors():
        for account in accounts_for(ctx, config):
            settings = load_settings(config, account=account.name, distributed=distributed)
            watchers.append(Watcher(settings, absolute(account.out_dir), options,
                                    on_cycle=lambda n, r, name=account.name: typer.echo(f"{name}: {_line(n, r)}")))
        locks = [FileLock(w.out / STATE_DIR / LOCK) for w in watchers]
        for watcher, lock in zip(watchers, locks):
            (watcher.out / STATE_DIR).mkdir(parents=True, exist_ok=True)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                for held in locks:
                    held.release()
                raise ConfigError(f"another collector watch is running on {watcher.out} (one watcher per folder)") from None

    def on_term(signum: int, frame: FrameType | None) -> None:
        already = watchers[0].stopping.is_set()
        for watcher in watchers:
            watcher.stop()
        if any(w.in_cycle for w in watchers) and not already:
            raise KeyboardInterrupt  # inside a cycle: its job puts its orders back, as for Ctrl-C

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        n = 0
        while not watchers[0].stopping.is_set():
            n += 1
            for watcher in watchers:
                if watcher.stopping.is_set():
                    break
                watcher.results.append(watcher.cycle(n))
                if watcher.on_cycle:
                    watcher.on_cycle(n, watcher.results[-1])
            if options.cycles is not None and n >= options.cycles:
                break
            watchers[0].stopping.wait(options.every.total_seconds())
    except KeyboardInterrupt:  # Ctrl-C between cycles
        for watcher in watchers:
            watcher.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)
        for lock in locks:
            lock.release()
    failed = any(w.results and not w.results[-1].ok and not w.stopping.is_set() for w in watchers)
    return EXIT_FAILED if options.cycles is not None and failed else 0


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)
