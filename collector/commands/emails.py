"""``collector emails inspect|thread``: look at mail files the way the collector will.

* ``collector emails inspect PATH...`` reads .eml files, folders of them, mbox files and
  Maildirs and prints one JSON line per message: message_id, date (UTC), from, role, automatic,
  kind, reasons (plus complaint and notes). Roles use ``--seller-address`` / ``--seller-domain``
  and the settings' ``seller_addresses``.
* ``collector emails thread PATH... --po PO [--co CO] [--relay ADDRESS] [--now TIME]`` shows one
  order's thread as a timeline (automatic replies marked) and its reply checks (latency, status),
  times in the seller's zone (setting ``seller_timezone``) as ``evidence.formatting`` writes them
  everywhere; ``--json`` keeps UTC.

Exit codes: 0 ok; 1 when ``thread`` finds no message for the order or a reply check failed
(late, unanswered, automatic only); 2 for usage errors (a path that cannot be read, a bad time or
setting). Bodies are hostile input: everything printed goes through ``rich.text.Text``, never
through console markup.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from collector.errors import ConfigError, InputError
from collector.inputs import validate_po
from collector.settings import load_settings
from collector.terminal import Column, fit_table, make_console
from evidence import formatting
from evidence.email import (
    EmailConfig,
    EmailSourceError,
    OrderKey,
    PathSource,
    collect_thread,
    iter_path,
    load_message,
)
from evidence.email.classify import own_text
from evidence.models import Message, ReplyCheck, ReplyStatus, Role

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FAILED_STATUSES = {ReplyStatus.LATE, ReplyStatus.UNANSWERED, ReplyStatus.AUTOMATIC_ONLY}

emails_app = typer.Typer(help="Inspect mail files and show an order's e-mail thread.", no_args_is_help=True)

PathsArg = Annotated[list[Path], typer.Argument(help=".eml files, folders of .eml, mbox files or Maildirs.")]
SellerOpt = Annotated[list[str], typer.Option("--seller-address", help="The seller's own address (repeatable).")]
DomainOpt = Annotated[list[str], typer.Option("--seller-domain", help="Every address at this domain is the seller.")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="TOML settings file (seller_addresses).")]


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(code)


def _config(addresses: list[str], domains: list[str], config_file: Path | None) -> EmailConfig:
    try:
        settings = load_settings(config_file)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    return EmailConfig(seller_addresses=[*addresses, *settings.seller_addresses], seller_domains=domains)


def _seller_zone(config_file: Path | None) -> str:
    """The seller's zone (setting ``seller_timezone``): the table shows times as the screens do."""
    try:
        return load_settings(config_file).seller_timezone
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def _check_paths(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise _fail(f"{path}: no such file or folder")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@emails_app.command("inspect")
def inspect(
    paths: PathsArg,
    seller_address: SellerOpt = [],  # noqa: B006 - typer reads the default, never mutates it
    seller_domain: DomainOpt = [],  # noqa: B006
    config: ConfigOpt = None,
) -> None:
    """One JSON line per message: id, date (UTC), sender, role, automatic, kind and the reasons."""
    _check_paths(paths)
    email_config = _config(seller_address, seller_domain, config)
    try:
        for path in paths:
            for item in iter_path(path):
                parsed = load_message(item.data, email_config, source=item.source, origin=item.origin,
                                      fallback_time=item.fallback_time)  # fmt: skip
                m = parsed.message
                line = {
                    "origin": item.origin, "message_id": m.message_id, "date": _utc(m.sent_at), "from": m.sender,
                    "subject": m.subject, "role": m.role.value, "automatic": m.automatic, "kind": m.kind.value,
                    "complaint": m.complaint, "reasons": m.reasons, "notes": m.notes,
                }  # fmt: skip
                typer.echo(json.dumps(line, ensure_ascii=False))
    except EmailSourceError as exc:
        raise _fail(str(exc)) from None


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"--now {value!r} is not an ISO 8601 time (e.g. 2026-10-05T12:00:00Z)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _snippet(message: Message) -> str:
    text = " ".join(own_text(message.body_text).split())
    return text[:90] + ("…" if len(text) > 90 else "")


# A time may take two lines (its date, then its clock time) and an address or a message id may
# fold, so both tables fit 80 columns; a status is always whole. Narrow terminals drop the
# automatic-reply ids first, then the reply time (the latency says it).
TIMELINE_COLUMNS = (
    Column("Sent", wrap=True, split_at=", "),
    Column("From", wrap=True, min_width=14),
    Column("Kind", wrap=True),
    Column("Message", wrap=True, min_width=20),
)
CHECK_COLUMNS = (
    Column("Inbound", wrap=True, split_at=", ", min_width=13),
    Column("Due", wrap=True, split_at=", ", min_width=13),
    Column("Replied", drop=1, wrap=True, split_at=", ", min_width=13),
    Column("Latency"),
    Column("Status"),
    Column("Automatic replies", drop=2, wrap=True, min_width=12),
)


def _role(role: Role) -> Text:
    return Text(formatting.role_label(role), style="dim")


def _timeline(messages: list[Message], zone: str, width: int) -> Table:
    rows = []
    for m in messages:
        kind = Text(m.kind.value if not m.automatic else f"AUTO {m.kind.value}", style="yellow" if m.automatic else "")
        if m.complaint:
            kind.append(" COMPLAINT", style="bold red")
        body = Text(m.subject, style="bold")
        body.append("\n" + _snippet(m))
        if m.also_seen_in:
            body.append(f"\nalso in: {', '.join(m.also_seen_in)}", style="dim")
        sender = Text(m.sender) + Text("\n") + _role(m.role)
        rows.append([Text(formatting.local_time(m.sent_at, zone)), sender, kind, body])
    return fit_table(TIMELINE_COLUMNS, rows, width, title=f"Timeline ({zone})")


def _checks(checks: list[ReplyCheck], zone: str, width: int) -> Table:
    rows = []
    for c in checks:
        style = "red" if c.status in FAILED_STATUSES else ("yellow" if c.status is ReplyStatus.PENDING else "green")
        inbound = Text(formatting.local_time(c.inbound_at, zone)) + Text("\n") + _role(c.inbound_role)
        inbound.append(f"\n{c.inbound_message_id}", style="dim")
        rows.append([
            inbound, Text(f"{formatting.local_time(c.due_at, zone)}\n({c.window_hours:g} h)"),
            Text(formatting.local_time(c.replied_at, zone) if c.replied_at else formatting.NONE),
            Text(formatting.latency(c.latency_hours)),
            Text(c.status.value.upper(), style=style), Text(", ".join(c.automatic_reply_ids) or "—"),
        ])  # fmt: skip
    return fit_table(CHECK_COLUMNS, rows, width, title=f"Reply checks ({zone})")


@emails_app.command("thread")
def thread(
    paths: PathsArg,
    po: Annotated[str, typer.Option("--po", help="The order's PO number.")],
    co: Annotated[Optional[str], typer.Option("--co", help="The customer order number.")] = None,
    relay: Annotated[Optional[str], typer.Option("--relay", help="The order's relay address.")] = None,
    now: Annotated[Optional[str], typer.Option("--now", help="Judge open windows at this time (ISO 8601).")] = None,
    seller_address: SellerOpt = [],  # noqa: B006
    seller_domain: DomainOpt = [],  # noqa: B006
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print threads and checks as JSON.")] = False,
) -> None:
    """The order's thread as a timeline, automatic replies marked, with reply latencies and statuses."""
    try:
        po = validate_po(po)  # ASCII digits only, as everywhere a PO is typed
    except InputError as exc:
        raise _fail(f"--po: {exc}") from None
    _check_paths(paths)
    moment = _parse_now(now)
    email_config = _config(seller_address, seller_domain, config)
    zone = _seller_zone(config)
    try:
        threads, checks, _ = collect_thread(
            OrderKey(po, co, relay), [PathSource(p) for p in paths], email_config, now=moment
        )
    except EmailSourceError as exc:
        raise _fail(str(exc)) from None
    messages = [m for t in threads for m in t.messages]
    if as_json:
        data = {"po": po, "now": _utc(moment), "threads": [t.model_dump(mode="json") for t in threads],
                "reply_checks": [c.model_dump(mode="json") for c in checks]}  # fmt: skip
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        console = make_console()
        if not messages:
            console.print(Text(f"No messages found for PO {po}."))
        else:
            console.print(Text(f"PO {po}: {len(messages)} message(s) in {len(threads)} thread(s)", style="bold"))
            console.print(_timeline(sorted(messages, key=lambda m: m.sent_at), zone, console.width))
            if checks:
                console.print(_checks(checks, zone, console.width))
            else:
                console.print(Text("No customer or Customer Care message needs a reply."))
    failed = [c for c in checks if c.status in FAILED_STATUSES]
    raise typer.Exit(EXIT_FAILED if failed or not messages else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.add_typer(emails_app, name="emails")
