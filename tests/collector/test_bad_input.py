"""Bad input on every command: one clear line and exit 2 (or the correct result), never a
traceback, a hang or a wrong result (no browser).

Each table row is something an operator can type or feed in; ``usage_error`` asserts what they
see: exit code 2, exactly one ``error: ...`` line on stderr naming the problem, no traceback.
"""

from __future__ import annotations

import errno
import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.errors import ConfigError, operator_errors
from collector.inputs import InputBatch, read_orders_file, read_recon
from collector.journal import Journal, OrderState
from collector.pipeline import Pipeline
from collector.progress import PlainProgress
from collector.report import JobStats
from collector.settings import load_settings
from collector.walker import OrderResult, Walker
from evidence.bundle import write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock
from tests.collector.test_pipeline import _capture

runner = CliRunner()
PO = "4342076435326"
PO2 = "4619371172214"
DEEP = "[" * 100_000 + "]" * 100_000
BIG_FIELD = "x" * (200 * 1024)  # over the csv module's 128 KiB default field limit
V1_HEADER = "Transaction Type,Transaction Description,Purchase Order #,Amount"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # relative file names below land in tmp_path; no stray .env
    for key in [k for k in os.environ if k.startswith("COLLECTOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data"))


def usage_error(result) -> str:  # type: ignore[no-untyped-def]
    """The single line of a usage / configuration / input error (exit 2)."""
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), f"crashed: {result.exception!r}\n{result.output}"
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def exit_code(result) -> int:  # type: ignore[no-untyped-def]
    """The exit code of a command that did not crash (no exception other than its exit)."""
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"crashed: {result.exception!r}\n{result.output}")
    return result.exit_code


def _write(files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        Path(name).write_bytes(data)


# --------------------------------------------------------------------------- collect: inputs

COLLECT_USAGE_ERRORS = [
    # (id, files, arguments, what the line must say)
    ("orders file of comments only", {"o.txt": "# POs for November\n# none yet\n"}, ["--orders", "o.txt"],
     "o.txt: no PO number in the file"),
    ("orders file of one comment with a comma", {"o.txt": "# PO, amount, note\n"}, ["--orders", "o.txt"],
     "o.txt: no PO number in the file"),
    ("orders file in Arabic-Indic digits", {"o.txt": "٤٣٤٢٠٧٦٤٣٥٣٢٦\n"}, ["--orders", "o.txt"],
     "no valid PO number"),
    ("--po in Arabic-Indic digits", {}, ["--po", "٤٣٤٢٠٧٦٤٣٥٣٢٦"], "not a PO number"),
    ("--po in fullwidth digits", {}, ["--po", "４３４２０７６４３５３２６"], "not a PO number"),
    ("recon JSON that is a string", {"r.json": '"Purchase Order #"'}, ["--recon", "r.json"],
     "expected a list of objects"),
    ("recon JSON that is an object without records", {"r.json": '{"total": 3}'}, ["--recon", "r.json"],
     "expected a list of objects"),
    ("recon JSON whose records are not a list", {"r.json": '{"records": "none"}'}, ["--recon", "r.json"],
     "expected a list of objects"),
    ("recon JSON mixing objects and numbers",
     {"r.json": '[{"Transaction Type": "Refund", "Transaction Description": "Customer Care",'
                ' "Purchase Order #": "4342076435326"}, 3]'},
     ["--recon", "r.json"], "record 2 is not an object"),
    ("recon JSON nested 100,000 deep", {"r.json": DEEP}, ["--recon", "r.json"], "nested too deeply"),
    ("recon JSON records nested 100,000 deep", {"r.json": '{"records": ' + DEEP + "}"}, ["--recon", "r.json"],
     "nested too deeply"),
]


@pytest.mark.parametrize(("files", "args", "expected"), [c[1:] for c in COLLECT_USAGE_ERRORS],
                         ids=[c[0] for c in COLLECT_USAGE_ERRORS])
def test_collect_refuses_bad_input_with_one_line(files: dict[str, str], args: list[str], expected: str) -> None:
    _write(files)
    result = runner.invoke(app, ["collect", *args, "--out", "out"])
    assert expected in usage_error(result)


COLLECT_ACCEPTED = [
    # (id, files, arguments): valid input the collector must read; it then stops at the session check
    ("orders file whose first comment holds a comma", {"o.txt": f"# PO, amount\n{PO}\n"}, ["--orders", "o.txt"]),
    ("orders file whose first comment holds a semicolon", {"o.txt": f"# PO; amount\n{PO}\n"}, ["--orders", "o.txt"]),
    ("orders file whose first comment holds a tab", {"o.txt": f"#\tPO\tamount\n{PO}\n"}, ["--orders", "o.txt"]),
    ("orders CSV with a 200 KiB field", {"o.csv": f'PO,Note\n{PO},"{BIG_FIELD}"\n'}, ["--orders", "o.csv"]),
    ("recon CSV with a 200 KiB field",
     {"r.csv": f'{V1_HEADER}\nRefund,Customer Care refund {BIG_FIELD},{PO},-42.17\n'}, ["--recon", "r.csv"]),
]


@pytest.mark.parametrize(("files", "args"), [c[1:] for c in COLLECT_ACCEPTED], ids=[c[0] for c in COLLECT_ACCEPTED])
def test_collect_reads_unusual_but_valid_input(files: dict[str, str], args: list[str]) -> None:
    _write(files)
    result = runner.invoke(app, ["collect", *args, "--out", "out"])
    assert "no saved Seller Center session" in usage_error(result)  # got past the inputs


def test_orders_file_comments_are_ignored_whatever_they_hold(tmp_path: Path) -> None:
    orders = tmp_path / "orders.txt"
    orders.write_text(f"# PO, amount; note\t(tab)\n\n{PO}  # first\n{PO2}\n")
    batch = read_orders_file(orders)
    assert (batch.pos, batch.format, batch.skipped) == ([PO, PO2], "lines", [])


def test_orders_csv_keeps_comments_out_and_reads_long_fields(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(f"# exported 2026-11-20, by hand\nPO;Note\n{PO};{BIG_FIELD}\n# {PO2} was cancelled\n")
    batch = read_orders_file(orders)
    assert (batch.pos, batch.format, batch.skipped) == ([PO], "csv", [])


def test_recon_csv_with_a_long_field_finds_its_refund(tmp_path: Path) -> None:
    recon = tmp_path / "recon.csv"
    recon.write_text(f"{V1_HEADER}\nRefund,Customer Care refund {BIG_FIELD},{PO},-42.17\n")
    result = read_recon(recon)
    assert result.pos == [PO] and str(result.refunds[0].amount) == "-42.17"


def test_recon_json_with_records_of_different_keys_reads_every_column(tmp_path: Path) -> None:
    recon = tmp_path / "recon.json"
    recon.write_text('[{"Transaction Type": "Sale", "Purchase Order #": "4619371172214", "Transaction Description": ""},'
                     ' {"Transaction Type": "Refund", "Transaction Description": "Customer Care refund",'
                     f' "Purchase Order #": "{PO}", "Amount": "-42.17"}}]')
    result = read_recon(recon)
    assert result.pos == [PO] and str(result.refunds[0].amount) == "-42.17"


def test_a_100000_character_po_is_not_echoed_whole() -> None:
    result = runner.invoke(app, ["collect", "--po", "1" * 99_999 + "X", "--out", "out"])
    line = usage_error(result)
    assert "not a PO number" in line and "…" in line
    assert len(line) < 200


def test_adding_30000_pos_takes_linear_time() -> None:
    pos = [f"{n:013d}" for n in range(30_000)]
    started = time.perf_counter()
    batch = InputBatch()
    for po in pos + pos[:100]:  # the duplicates are dropped, the order kept
        batch.add(po)
    assert time.perf_counter() - started < 1.0
    assert batch.pos == pos
    merged = InputBatch(pos=[PO2, PO, PO2])
    merged.extend(InputBatch(pos=[PO, "1000000000001"]))
    assert merged.pos == [PO2, PO, "1000000000001"]


# --------------------------------------------------------------------------- settings


def _data_dir_is_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "data-file").write_text("not a folder")
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data-file"))


def _data_dir_below_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "data-file").write_text("not a folder")
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data-file" / "collector"))


BAD_SETTINGS = [
    # (environment variable, value, what the line must say)
    ("COLLECTOR_SELLER_TIMEZONE", "Mars/Olympus", "invalid setting seller_timezone: unknown time zone 'Mars/Olympus'"),
    ("COLLECTOR_SELLER_TIMEZONE", "../../etc/passwd", "invalid setting seller_timezone"),
    ("COLLECTOR_NAVIGATION_TIMEOUT_S", "inf", "invalid setting navigation_timeout_s"),
    ("COLLECTOR_ACTION_TIMEOUT_S", "nan", "invalid setting action_timeout_s"),
    ("COLLECTOR_MAX_REQUESTS_PER_MINUTE", "inf", "invalid setting max_requests_per_minute"),
    ("COLLECTOR_MAX_REQUESTS_PER_MINUTE", "nan", "invalid setting max_requests_per_minute"),
    ("COLLECTOR_MAX_REQUESTS_PER_MINUTE", "-5", "invalid setting max_requests_per_minute"),
    ("COLLECTOR_RETRY_MAX_WAIT_S", "inf", "invalid setting retry_max_wait_s"),
    ("COLLECTOR_POLICY_ID", "nope", "invalid setting policy_id: unknown policy id 'nope' (known: walmart-cc-"),
    ("COLLECTOR_CONFIG", "/nonexistent.toml", "config file not found: /nonexistent.toml"),
]
SETTINGS_COMMANDS = [
    ["collect", "--po", PO, "--out", "out"],
    ["login", "--check"],
    ["emails", "inspect", "."],
    ["emails", "thread", ".", "--po", PO],
]


@pytest.mark.parametrize("command", SETTINGS_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize(("key", "value", "expected"), BAD_SETTINGS, ids=[f"{k}={v}" for k, v, _ in BAD_SETTINGS])
def test_a_bad_setting_stops_every_command_at_start(
    monkeypatch: pytest.MonkeyPatch, command: list[str], key: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(key, value)
    assert expected in usage_error(runner.invoke(app, command))


@pytest.mark.parametrize("make_bad", [_data_dir_is_a_file, _data_dir_below_a_file], ids=["file", "below a file"])
@pytest.mark.parametrize("command", SETTINGS_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_data_dir_that_is_a_file_stops_every_command_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: list[str], make_bad: Callable[..., None]
) -> None:
    make_bad(monkeypatch, tmp_path)
    assert "invalid setting data_dir: " in usage_error(runner.invoke(app, command))


def test_good_settings_still_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLECTOR_SELLER_TIMEZONE", "America/Denver")
    monkeypatch.setenv("COLLECTOR_POLICY_ID", "walmart-cc-2024-11")
    monkeypatch.setenv("COLLECTOR_MAX_REQUESTS_PER_MINUTE", "12.5")
    settings = load_settings()
    assert (settings.seller_timezone, settings.policy_id, settings.requests_per_minute) == (
        "America/Denver", "walmart-cc-2024-11", 12.5)


def test_collector_config_env_is_read_like_the_option(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("concurrency = 3\n")
    monkeypatch.setenv("COLLECTOR_CONFIG", str(config))
    assert load_settings().concurrency == 3
    monkeypatch.setenv("COLLECTOR_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings()


# --------------------------------------------------------------------------- jobs and resume


def _corrupt_job(out: Path, job_id: str = "job-0123456789ab") -> Path:
    journal = out / "jobs" / job_id / "journal.sqlite"
    journal.parent.mkdir(parents=True)
    journal.write_bytes(b"this is not an SQLite database\n" * 200)
    return journal


def test_jobs_list_names_a_corrupt_journal() -> None:
    journal = _corrupt_job(Path("out"))
    line = usage_error(runner.invoke(app, ["jobs", "list", "out"]))
    assert str(journal) in line and "not a readable job journal" in line


def test_jobs_show_names_a_corrupt_journal() -> None:
    journal = _corrupt_job(Path("out"))
    line = usage_error(runner.invoke(app, ["jobs", "show", "job-0123456789ab", "out"]))
    assert str(journal) in line


def test_jobs_list_names_a_truncated_journal(tmp_path: Path) -> None:
    good = tmp_path / "out" / "jobs" / "job-0000000000aa" / "journal.sqlite"
    with Journal(good) as journal:
        journal.add_orders([f"{n:013d}" for n in range(2000)])
    db = sqlite3.connect(good)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    line = usage_error(runner.invoke(app, ["jobs", "list", "out"]))
    assert str(good.relative_to(tmp_path)) in line


def test_resuming_a_job_with_a_corrupt_journal_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    journal = _corrupt_job(Path("out"))
    monkeypatch.setattr("collector.jobs.ensure_session", lambda settings, endpoint=None: Path("session.json"))
    line = usage_error(runner.invoke(app, ["collect", "--resume", "job-0123456789ab", "--out", "out"]))
    assert str(journal) in line and "not a readable job journal" in line


def _walker(tmp_path: Path) -> Walker:
    journal = Journal(tmp_path / "j.sqlite")
    journal.add_orders([PO, PO2])
    walker = Walker(journal, JobStats(), PlainProgress(io.StringIO()), threading.Event())
    assert walker.claim() == PO
    return walker


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_stops_the_job_with_one_line_and_keeps_the_order_pending(tmp_path: Path, code: int) -> None:
    walker = _walker(tmp_path)
    bundles = tmp_path / "out" / "bundles"

    def work() -> OrderResult:
        raise OSError(code, os.strerror(code), str(bundles))

    walker.run_order(PO, work)
    assert walker.stop_event.is_set()
    assert walker.stop_reason is not None and walker.stop_reason.startswith(f"no space left on {bundles}")
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.PENDING
    assert walker.claim() is None  # no further order is started


def test_a_full_disk_while_writing_a_bundle_stops_the_job_and_leaves_no_half_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    walker = _walker(tmp_path)
    out = tmp_path / "out" / "bundles"
    pipeline = Pipeline(out_dir=out, settings=load_settings(), job_id="job-x")

    def disk_full(folder: Path, *args: object) -> None:
        folder.mkdir()
        (folder / "data").mkdir()
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "data" / "case.json"))

    monkeypatch.setattr("evidence.bundle.writer.write_tree", disk_full)
    walker.run_order(PO, lambda: OrderResult(written=len([pipeline.process(_capture())]), already=0, cc_refunds=1))
    assert walker.stop_reason is not None and walker.stop_reason.startswith("no space left on ")
    assert str(out) in walker.stop_reason
    row = walker.journal.order(PO)
    assert row is not None and row.state == OrderState.PENDING
    assert list(out.iterdir()) == []  # the staging folder is gone, no bundle


def test_a_full_disk_outside_an_order_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    with pytest.raises(typer.Exit) as exit_info, operator_errors():
        raise OSError(errno.ENOSPC, "No space left on device", "out/bundles/index.html")
    assert exit_info.value.exit_code == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: no space left on out/bundles/index.html: make room, then run the same command again"
    ]


# --------------------------------------------------------------------------- bundles: export, assess, deadlines


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "bundles", example_case(), example_artifacts(), example_context(),
                        clock=fixed_clock).path


def test_export_to_a_file_is_refused(bundle: Path) -> None:
    Path("existing.zip").write_text("not a folder")
    line = usage_error(runner.invoke(app, ["export", str(bundle), "--out", "existing.zip"]))
    assert "existing.zip" in line and "not a folder" in line


def test_export_below_a_file_is_refused(bundle: Path) -> None:
    Path("existing").write_text("not a folder")
    line = usage_error(runner.invoke(app, ["export", str(bundle), "--out", "existing/zips"]))
    assert "existing/zips" in line


BAD_NOW = ["0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59+00:00",
           "9999-12-31T23:59:59-12:00"]


@pytest.mark.parametrize("command", ["assess", "deadlines"])
@pytest.mark.parametrize("now", BAD_NOW)
def test_a_now_out_of_range_is_refused(bundle: Path, command: str, now: str) -> None:
    manifest = (bundle / "manifest.json").read_bytes()
    line = usage_error(runner.invoke(app, [command, str(bundle), "--now", now]))
    assert "out of range" in line and now in line
    assert (bundle / "manifest.json").read_bytes() == manifest  # nothing was recorded


DEEP_FILES = [
    # (file replaced by JSON nested 100,000 deep, verify's problem code)
    ("manifest.json", "manifest.unreadable"),
    ("custody.jsonl", "custody.malformed"),
    ("data/case.json", "data.invalid"),
]


@pytest.mark.parametrize(("name", "code"), DEEP_FILES)
def test_json_nested_100000_deep_in_a_bundle_is_a_problem_not_a_crash(bundle: Path, name: str, code: str) -> None:
    target = bundle / name
    target.write_text(DEEP + "\n" if name != "custody.jsonl" else target.read_text() + DEEP + "\n")
    verified = runner.invoke(app, ["verify", str(bundle.parent)])
    assert exit_code(verified) == 1, verified.output
    assert code in verified.output and "nested too deeply" in verified.output

    exported = runner.invoke(app, ["export", str(bundle), "--out", "zips"])
    assert exit_code(exported) == 1, exported.output
    assert "fails verification" in exported.stderr
    assert not Path("zips").exists() or not list(Path("zips").iterdir())

    indexed = runner.invoke(app, ["index", str(bundle.parent)])
    assert exit_code(indexed) == 0, indexed.output
    assert (bundle.parent / "index.html").is_file()  # the bundle is listed with its problem

    listed = runner.invoke(app, ["deadlines", str(bundle.parent)])
    assert exit_code(listed) == 1, listed.output
    assert f"skipped {bundle}" in listed.stderr and "nested too deeply" in listed.stderr


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", ["captures/01-refund-details.png", "manifest.json", "custody.jsonl"])
def test_a_named_pipe_in_place_of_a_bundle_file_is_refused_not_waited_on(bundle: Path, name: str) -> None:
    (bundle / name).unlink()
    os.mkfifo(bundle / name)
    verified = runner.invoke(app, ["verify", str(bundle)])
    assert exit_code(verified) == 1, verified.output
    assert "file.not_regular" in verified.output and "not a regular file" in verified.output
    exported = runner.invoke(app, ["export", str(bundle), "--out", "zips"])
    assert exit_code(exported) == 1, exported.output
    assert "not a regular file" in exported.stderr
    assert exit_code(runner.invoke(app, ["index", str(bundle.parent)])) == 0
    listed = runner.invoke(app, ["deadlines", str(bundle.parent)])
    assert exit_code(listed) == (0 if name.startswith("captures/") else 1), listed.output


# --------------------------------------------------------------------------- emails


@pytest.mark.timeout(20)
def test_emails_inspect_refuses_a_named_pipe(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "mail.eml")
    line = usage_error(runner.invoke(app, ["emails", "inspect", str(tmp_path / "mail.eml")]))
    assert "mail.eml: not a regular file" in line


def _long_message() -> bytes:
    body = "".join(f"Line {n}: the parcel has not arrived yet, order {PO}.\n" for n in range(200))
    return (
        "From: Dana Whitfield <dana@example.net>\n"
        "To: support@brightgoods.example\n"
        f"Subject: Where is my order? PO# {PO}\n"
        "Date: Fri, 2 Oct 2026 09:00:00 -0500\n"
        "Message-ID: <long-1@example.net>\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n" + body
    ).encode()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["eml", "mbox"])
def test_emails_inspect_reads_a_whole_message_from_a_pipe(tmp_path: Path, kind: str) -> None:
    data = _long_message()
    if kind == "mbox":
        data = b"From dana@example.net Fri Oct  2 14:00:00 2026\n" + data + b"\n" + \
            b"From dana@example.net Fri Oct  2 15:00:00 2026\n" + data.replace(b"long-1@", b"long-2@")
    assert len(data) > 8192
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTOR_")}
    result = subprocess.run([str(VENV_BIN / "collector"), "emails", "inspect", "/dev/stdin"], input=data,
                            capture_output=True, cwd=tmp_path, env=env, timeout=50, check=False)
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == (2 if kind == "mbox" else 1)
    assert f'"subject": "Where is my order? PO# {PO}"' in lines[0]
    assert '"message_id": "long-1@example.net"' in lines[0]


THREAD_BAD_PO = [
    ("٤٣٤٢٠٧٦٤٣٥٣٢٦", "not a PO number"),
    ("４３４２０７６４３５３２６", "not a PO number"),
    ("1" * 99_999 + "X", "…"),
]


@pytest.mark.parametrize(("po", "expected"), THREAD_BAD_PO, ids=["arabic-indic", "fullwidth", "100000 chars"])
def test_emails_thread_refuses_a_po_that_is_not_ascii_digits(tmp_path: Path, po: str, expected: str) -> None:
    line = usage_error(runner.invoke(app, ["emails", "thread", str(tmp_path), "--po", po]))
    assert expected in line and len(line) < 200
