"""``collector calendar write PATH FILE`` and ``collector calendar serve PATH``: the deadline
calendar to subscribe to (Google Calendar, Outlook, Apple Calendar, Thunderbird).

Each open dispute or appeal deadline is an event with a reminder; once the refund is filed or the
deadline closes, the same event (stable UID) is published ``STATUS:CANCELLED``, so the calendar
drops it. ``write`` replaces FILE atomically (run it after each ``collector watch`` cycle, or let
``watch --calendar FILE`` do it); ``serve`` answers ``GET /deadlines.ics`` on 127.0.0.1 with the
calendar as of each request (subscribe to ``http://127.0.0.1:PORT/deadlines.ics``). Exit 1 when
PATH holds no bundles, 2 when it does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from collector.cases.calendar import build_calendar, write_calendar
from collector.errors import EXIT_FAILED, EXIT_USAGE
from collector.folders import BadPath, NothingHere, absolute
from evidence.policy import parse_instant

calendar_app = typer.Typer(help="The deadline calendar: a file or a local URL to subscribe to.", no_args_is_help=True)


def _at(now: str | None) -> datetime:
    try:
        return parse_instant(now) if now else datetime.now(UTC)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


@calendar_app.command("write")
def write(
    path: Annotated[Path, typer.Argument(help="An output folder, a folder of bundles, or one bundle.")],
    target: Annotated[Path, typer.Argument(help="The .ics file to write (replaced atomically).")],
    now: Annotated[Optional[str], typer.Option("--now", help="As of this ISO 8601 time (default: now).")] = None,
    policy: Annotated[Optional[str], typer.Option("--policy", envvar="COLLECTOR_POLICY_ID",
                                                  help="Policy id for every refund (default: by issue date).")] = None,
) -> None:
    """Write the calendar of PATH's deadlines to FILE (open ones, and cancelled ones filed or closed since)."""
    try:
        count = write_calendar(absolute(path), absolute(target), _at(now), policy)
    except BadPath as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except NothingHere as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(f"wrote {count} open deadline(s) to {absolute(target)}")


@calendar_app.command("serve")
def serve(
    path: Annotated[Path, typer.Argument(help="An output folder, a folder of bundles, or one bundle.")],
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")] = 8765,
    policy: Annotated[Optional[str], typer.Option("--policy", envvar="COLLECTOR_POLICY_ID",
                                                  help="Policy id for every refund (default: by issue date).")] = None,
) -> None:
    """Serve the calendar at http://127.0.0.1:PORT/deadlines.ics (local only; Ctrl-C stops)."""
    folder = absolute(path)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.split("?")[0] != "/deadlines.ics":
                self.send_error(404)
                return
            try:
                text, _ = build_calendar(folder, datetime.now(UTC), policy)
            except (BadPath, NothingHere) as exc:
                self.send_error(404, str(exc)[:100])
                return
            body = text.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

    try:
        httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as exc:
        typer.echo(f"error: cannot listen on 127.0.0.1:{port}: {exc.strerror} (choose another --port)", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(f"serving http://127.0.0.1:{port}/deadlines.ics (Ctrl-C stops)")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
