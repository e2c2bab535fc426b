"""The command line's conventions, table-driven over every command (no browser).

``--version``; shell completion; ``-v``/``-q`` before the command; ``NO_COLOR``; boolean options
are flags (and ``--json true`` is refused, not read as a path); choices listed in ``--help`` and
enforced; summary lines never broken inside a word; ``collect`` prints the demo's verdict table;
``login`` prints no info log lines; terminal tables fit 80 columns without cutting a cell; and
``--help`` and the README's command table name the same commands and options.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, get_args

import pytest
import structlog
import typer.main
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from collector import logging as collector_logging
from collector.cli import app
from collector.jobs import JobResult
from collector.progress import PlainProgress, QuietProgress, make_progress
from collector.report import JobReport, RefundEntry, refund_rows, render_refunds, render_report
from collector.settings import LayoutChoice, TraceMode
from evidence.bundle import write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
PO = "4342076435326"
NOW = "2026-11-20T21:15Z"  # the example refund: 19 h 25 min left, deadline Nov 21, 2026, 10:40 AM CST


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data"))
    for key in ("COLLECTOR_EMAIL", "COLLECTOR_PASSWORD", "COLLECTOR_TOTP_SECRET", "COLLECTOR_CONFIG",
                "COLLECTOR_POLICY_ID", "NO_COLOR", "FORCE_COLOR", "COLUMNS"):  # fmt: skip
        monkeypatch.delenv(key, raising=False)
    yield
    collector_logging.set_verbosity(0)  # -q / -v are process state: do not leak into other tests


def _root() -> Any:
    return typer.main.get_command(app)


def _commands() -> dict[str, Any]:
    """``{"verify": cmd, "jobs list": cmd, ...}``: every command a user can run."""
    found: dict[str, Any] = {}
    for name, command in _root().commands.items():
        if getattr(command, "hidden", False):
            continue
        subs = getattr(command, "commands", None)
        if subs:
            found.update({f"{name} {sub}": c for sub, c in subs.items() if not c.hidden})
        else:
            found[name] = command
    return found


def _help(words: list[str]) -> str:
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.stdout


# --------------------------------------------------------------------------- --version, completion, -v / -q


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"collector {metadata.version('cc-refund-collector')}"


def test_help_offers_completion_verbose_and_quiet() -> None:
    text = _help([])
    for option in ("--install-completion", "--show-completion", "--verbose", "-v", "--quiet", "-q", "--version"):
        assert option in text


def test_verbose_and_quiet_together_are_refused() -> None:
    result = runner.invoke(app, ["-v", "-q", "index", "."])
    assert result.exit_code == 2 and "not both" in result.output


def _fake_job(monkeypatch: pytest.MonkeyPatch, report: JobReport | None = None) -> None:
    """``run_job`` replaced: reports progress and logs like a job, returns ``report``."""

    def run_job(settings: Any, request: Any, out: Path, *, progress: Any, **kwargs: Any) -> JobResult:
        collector_logging.configure_logging(console_level="warning")  # what run_job does
        log = structlog.get_logger()
        log.info("probe.info")
        log.warning("probe.warning")
        progress.start(1, 0)
        progress.order_finished(PO, "written", "1 bundle")
        progress.close()
        return JobResult("job-0123456789ab", out / "jobs" / "job-0123456789ab", report or _report([]), None)

    monkeypatch.setattr("collector.commands.collect.run_job", run_job)


@pytest.mark.parametrize(
    ("flags", "info", "warning", "progress"),
    [
        ([], False, True, True),
        (["-v"], True, True, True),
        (["--verbose"], True, True, True),
        (["-q"], False, False, False),
        (["--quiet"], False, False, False),
    ],
)
def test_verbose_and_quiet_set_the_console_log_level_and_progress(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], info: bool, warning: bool, progress: bool
) -> None:
    _fake_job(monkeypatch)
    result = runner.invoke(app, [*flags, "collect", "--po", PO, "--progress", "plain"])
    assert result.exit_code == 0, result.output
    assert ("probe.info" in result.stderr) is info
    assert ("probe.warning" in result.stderr) is warning
    assert (f"[1/1] {PO} written" in result.stdout) is progress
    assert "Job job-0123456789ab: completed" in result.stdout  # the summary prints even with -q


def test_quiet_progress_prints_nothing() -> None:
    collector_logging.set_verbosity(-1)
    assert isinstance(make_progress("plain"), QuietProgress)
    collector_logging.set_verbosity(0)
    assert isinstance(make_progress("plain", io.StringIO()), PlainProgress)


@pytest.mark.parametrize(("flags", "shown"), [([], False), (["-v"], True)])
def test_login_prints_no_info_log_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flags: list[str], shown: bool) -> None:
    def login_interactive(settings: Any) -> Path:
        structlog.get_logger().info("session.saved", path="x")
        return tmp_path / "session.json"

    monkeypatch.setattr("collector.commands.login.login_interactive", login_interactive)
    result = runner.invoke(app, [*flags, "login"])
    assert result.exit_code == 0, result.output
    assert "Signed in to" in result.stdout
    assert ("session.saved" in result.output) is shown


# --------------------------------------------------------------------------- NO_COLOR


@pytest.fixture
def bundles(tmp_path: Path) -> Path:
    folder = tmp_path / "out" / "bundles"
    write_bundle(folder, example_case(), example_artifacts(), example_context(), clock=fixed_clock)
    return folder


def _report(refunds: list[RefundEntry]) -> JobReport:
    now = datetime(2026, 11, 20, 21, 15, tzinfo=UTC)
    return JobReport(
        job_id="job-0123456789ab", status="completed", started_at=now, finished_at=now, duration_s=81.8,
        concurrency=3, orders={"written": 36, "skipped": 0, "failed": 0, "pending": 0, "running": 0,
                               "captured": 0, "total": 36},
        refunds_written=len(refunds), orders_per_minute=26.4, retries_by_reason={}, requests=281,
        rate_limit_wait_s=0.0, bytes_written=0, order_duration_s={}, failures=[], refunds=refunds,
    )  # fmt: skip


REFUNDS = [
    RefundEntry(po=PO, transaction_id=f"{PO}-CCR1", amount="-$68.05", verdict="already_disputed",
                deadline="2026-10-04T15:00:00+00:00", bundle="/out/bundles/x_v1"),  # fmt: skip
    RefundEntry(po="4619371172214", transaction_id="4619371172214-CCR1", amount="-$85.71", verdict="needs_attention",
                deadline="2026-11-12T22:02:00+00:00", bundle="/out/bundles/y_v1"),  # fmt: skip
]


def _styled_outputs(monkeypatch: pytest.MonkeyPatch, bundles: Path, env: dict[str, str]) -> list[str]:
    _fake_job(monkeypatch, _report(REFUNDS))
    outputs = []
    for args in (["deadlines", str(bundles), "--now", NOW], ["collect", "--po", PO, "--progress", "plain"]):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    return outputs


def test_no_color_means_no_ansi_codes_even_on_a_forced_terminal(monkeypatch: pytest.MonkeyPatch, bundles: Path) -> None:
    forced = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "120"}
    assert all("\x1b[" in out for out in _styled_outputs(monkeypatch, bundles, forced))  # styles are there...
    for out in _styled_outputs(monkeypatch, bundles, {**forced, "NO_COLOR": "1"}):
        assert "\x1b[" not in out  # ...and NO_COLOR drops every one of them
        assert "Verdict" in out


# --------------------------------------------------------------------------- flags, choices


def _flag_options() -> list[tuple[str, str]]:
    return sorted(
        (name, opt)
        for name, command in _commands().items()
        for param in command.params
        if getattr(param, "is_flag", False) and not getattr(param, "hidden", False)
        for opt in param.opts
        if opt.startswith("--")
    )


def test_every_boolean_option_is_a_flag() -> None:
    for name, command in _commands().items():
        for param in command.params:
            if getattr(param, "type", None) is not None and param.type.name == "boolean":
                assert param.is_flag, f"{name} {param.opts}: a boolean option must be a flag"


@pytest.mark.parametrize(("command", "flag"), _flag_options())
def test_flags_show_no_value_in_help(command: str, flag: str) -> None:
    text = _help(command.split())
    line = next(line for line in text.splitlines() if re.search(rf"{re.escape(flag)}\b", line))
    assert "<bool>" not in line, line
    assert "<bool>" not in text and "<int>" not in _help([])  # --help, -v: no value shown either


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "--json", "true", "."],
        ["verify", ".", "--json", "false"],
        ["jobs", "show", "job-0123456789ab", "--json", "yes"],
        ["emails", "thread", ".", "--po", PO, "--json", "1"],
        ["assess", ".", "--dry-run", "true"],
        ["export", ".", "--out", "z", "--redact", "no"],
        ["collect", "--recapture", "true", "--po", PO],
        ["login", "--check", "TRUE"],
    ],
)
def test_a_flag_given_a_value_is_refused_not_read_as_a_path(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "is a flag and takes no value" in result.output
    assert "no such file or folder" not in result.output


CHOICES = {
    "--layout": list(get_args(LayoutChoice)),
    "--trace": list(get_args(TraceMode)),
    "--progress": ["auto", "rich", "plain"],
    "--format": ["table", "csv", "ics"],
}


@pytest.mark.parametrize(
    ("command", "option"),
    [("collect", "--layout"), ("collect", "--trace"), ("collect", "--progress"), ("demo", "--progress"),
     ("deadlines", "--format")],  # fmt: skip
)
def test_choices_are_listed_in_help_and_enforced(command: str, option: str) -> None:
    choices = CHOICES[option]
    line = next(line for line in _help([command]).splitlines() if option in line)
    assert "<" + "|".join(choices) + ">" in line, line
    args = [command, option, "nope"] + (["."] if command == "deadlines" else [])
    result = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 2
    assert all(f"'{choice}'" in result.output for choice in choices), result.output


# --------------------------------------------------------------------------- summary line, verdict table


@pytest.mark.parametrize("terminal", [False, True])
def test_the_summary_line_is_never_broken_inside_a_word(terminal: bool) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=60, force_terminal=terminal, color_system=None)
    render_report(_report(REFUNDS), console)
    out = buffer.getvalue()
    summary = ("Job job-0123456789ab: completed. Orders: 36 written, 0 skipped (no Customer Care refund), "
               "0 failed, 0 not done of 36; 2 refund bundles; 81.8 s, 26.4 orders/min.")  # fmt: skip
    if terminal:  # wrapped between words at the terminal's width
        assert out.split()[: len(summary.split())] == summary.split()
        assert all(cell_len(line) <= 60 for line in out.splitlines())
    else:  # left whole: whatever shows it wraps it
        assert out.splitlines()[0] == summary


def test_collect_prints_the_demos_verdict_table(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_job(monkeypatch, _report(REFUNDS))
    collected = runner.invoke(app, ["collect", "--po", PO, "--progress", "plain"], env={"COLUMNS": "120"})
    assert collected.exit_code == 0, collected.output

    def run_demo(out: Path, **kwargs: Any) -> tuple[JobResult, list[Any]]:
        report = _report(REFUNDS)
        rows = refund_rows(report, "America/Chicago", datetime.now(UTC))
        return JobResult("job-0123456789ab", out / "run-1" / "jobs" / "job-0123456789ab", report, None), rows

    monkeypatch.setattr("collector.commands.demo.run_demo", run_demo)
    demo = runner.invoke(app, ["demo", "--progress", "plain"], env={"COLUMNS": "120"})
    assert demo.exit_code == 0, demo.output

    def table(text: str) -> list[str]:
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("┏"))
        end = next(i for i, line in enumerate(lines) if line.lstrip().startswith("└"))
        return lines[start : end + 1]

    assert table(collected.stdout) == table(demo.stdout)
    assert any("already disputed" in line and PO in line for line in table(collected.stdout))
    assert any("Job folder:" in line for line in collected.stdout.splitlines())


# --------------------------------------------------------------------------- tables at 80 columns

SELLER = "support@brightgoods.example"
RELAY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com"
MAILS = {
    "q.eml": (RELAY, SELLER, "Where is my order? PO# 4342076435326", "Fri, 02 Oct 2026 14:00:00 +0000",
              "q1@relay.walmart.com", "", "Hello, where is my order?"),
    "ooo.eml": (SELLER, RELAY, "Automatic reply: Where is my order? PO# 4342076435326",
                "Fri, 02 Oct 2026 14:00:40 +0000", "ooo@brightgoods.example", "Auto-Submitted: auto-replied\n",
                "I am out of the office until Monday."),
    "r.eml": (SELLER, RELAY, "RE: Where is my order? PO# 4342076435326", "Fri, 02 Oct 2026 16:15:00 +0000",
              "r1@brightgoods.example", "In-Reply-To: <q1@relay.walmart.com>\n", "Hi Dana, it ships today."),
    "c.eml": (RELAY, SELLER, "Still waiting: order 4342076435326", "Thu, 08 Oct 2026 15:00:00 +0000",
              "c1@relay.walmart.com", "", "Nothing has arrived yet."),
}  # fmt: skip


def _mail_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    for name, (sender, to, subject, date, mid, extra, body) in MAILS.items():
        (folder / name).write_text(
            f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: <{mid}>\n{extra}"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
        )
    return folder


def _whole(text: str, value: str) -> bool:
    """``value`` on one line, or a time broken only between its date and its clock time."""
    lines = text.splitlines()
    if any(value in line for line in lines):
        return True
    date, _, clock = value.rpartition(", ")
    return bool(date) and any(f"{date}," in line for line in lines) and any(clock in line for line in lines)


@pytest.mark.parametrize("width", [80, 120])
def test_deadlines_fit_the_terminal_and_cut_nothing(bundles: Path, width: int) -> None:
    result = runner.invoke(app, ["deadlines", str(bundles), "--now", NOW], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "…" not in out
    assert max(cell_len(line) for line in out.splitlines()) <= width
    for value in ("19 h 25 min left", "ready to file", PO, "Nov 21, 2026, 10:40 AM CST"):
        assert _whole(out, value), (value, out)
    if width == 120:
        assert "Nov 21, 2026, 10:40 AM CST" in out and "-$" in out  # one line per row; the amount shown


@pytest.mark.parametrize("width", [80, 120])
def test_emails_thread_fits_the_terminal_and_cuts_nothing(tmp_path: Path, width: int) -> None:
    args = ["emails", "thread", str(_mail_folder(tmp_path)), "--po", PO, "--relay", RELAY,
            "--now", "2026-10-20T00:00:00Z", "--seller-address", SELLER]  # fmt: skip
    result = runner.invoke(app, args, env={"COLUMNS": str(width)})
    out = result.stdout
    assert "Timeline" in out and "Reply checks" in out, result.output
    assert "…" not in out
    assert max(cell_len(line) for line in out.splitlines()) <= width
    for value in ("Oct 2, 2026, 9:00 AM CDT", "Oct 2, 2026, 11:15 AM CDT", "Oct 8, 2026, 10:00 AM CDT",
                  "ON_TIME", "UNANSWERED", "2 h 15 min", "AUTO"):  # fmt: skip
        assert _whole(out, value), (value, out)


@pytest.mark.parametrize("width", [80, 120])
def test_the_verdict_table_fits_the_terminal_and_cuts_nothing(width: int) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    now = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    entries = [
        *REFUNDS,
        RefundEntry(po="4112241758347", transaction_id="4112241758347-CCR1", amount="-$36.19",
                    verdict="ready_to_file", deadline=(now + timedelta(hours=21, minutes=20)).isoformat()),
    ]  # fmt: skip
    render_refunds(refund_rows(_report(entries), "America/Chicago", now), console, "Customer Care refunds collected")
    out = buffer.getvalue()
    assert "…" not in out and max(cell_len(line) for line in out.splitlines()) <= width
    for value in ("ready to file", "already disputed", "needs attention", "21 h 20 min left", "7 d 19 h 58 min",
                  PO, "4112241758347", "Nov 21, 2026, 9:20 AM CST", "Nov 12, 2026, 4:02 PM CST"):  # fmt: skip
        assert _whole(out, value), (value, out)
    if width == 120:  # room for every column but the refund id, one line per row
        assert "-$36.19" in out and "closed 7 d 19 h 58 min ago" in out


# --------------------------------------------------------------------------- --help and the README agree


def _readme_rows() -> list[tuple[list[str], str]]:
    """(command words as in ``_commands``, the row's text) for each row of the README's command table."""
    rows = []
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `collector ([a-z-]+)(?: ([a-z/-]+))?", line)
        if not match:
            continue
        name, subs = match.groups()
        group = _root().commands[name] if name in _root().commands else None
        if subs and group is not None and getattr(group, "commands", None):
            rows.append(([f"{name} {sub}" for sub in subs.split("/")], line))
        else:
            rows.append(([name], line))
    return rows


def test_every_command_is_in_the_readme_table_and_every_row_is_a_command() -> None:
    in_readme = {name for names, _ in _readme_rows() for name in names}
    assert in_readme == set(_commands()), "README command table and `collector --help` disagree"


def test_every_option_the_readme_names_is_in_that_commands_help() -> None:
    missing = []
    for names, line in _readme_rows():
        helps = "\n".join(_help(name.split()) for name in names)
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line):
            if not re.search(rf"{re.escape(option)}\b", helps):
                missing.append(f"{' / '.join(names)}: {option}")
    assert not missing, missing


def test_every_option_in_the_readmes_examples_exists() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands = _commands()
    missing = []
    for line in re.findall(r"^collector [^\n#]*", text, flags=re.MULTILINE):
        words = line.split()
        name = " ".join(words[1:3]) if " ".join(words[1:3]) in commands else words[1]
        helps = _help(name.split())
        missing += [f"{line}: {o}" for o in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line) if o not in helps]
    assert not missing, missing
