from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app

PO = "4342076435326"
RELAY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0@relay.walmart.com"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("COLLECTOR_CONFIG", raising=False)
    monkeypatch.delenv("COLLECTOR_SELLER_ADDRESSES", raising=False)
    return CliRunner()


@pytest.fixture
def folder(tmp_path: Path, data_dir: Path) -> Path:
    out = tmp_path / "mail"
    out.mkdir()
    for name in ("customer_question.eml", "outlook_ooo_reply.eml", "outlook_human.eml", "bbb_complaint.eml"):
        shutil.copy(data_dir / name, out / name)
    return out


def test_inspect_prints_one_json_line_per_message(runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(app, ["emails", "inspect", str(folder), "--seller-address", "support@brightgoods.example"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4
    by_id = {line["message_id"]: line for line in lines}
    ooo = by_id["8f2c1e7b4a3d4c0e9f1a@EX01.brightgoods.example"]
    assert (ooo["role"], ooo["automatic"], ooo["kind"]) == ("seller", True, "out_of_office")
    assert ooo["date"] == "2026-10-02T14:00:40Z"
    assert any("X-MS-Exchange-Inbox-Rules-Loop" in r for r in ooo["reasons"])
    question = by_id[f"cust-q1.{PO}@relay.walmart.com"]
    assert (question["role"], question["automatic"], question["from"]) == ("customer", False, RELAY)


def test_inspect_without_seller_address_leaves_the_seller_unknown(runner: CliRunner, data_dir: Path) -> None:
    result = runner.invoke(app, ["emails", "inspect", str(data_dir / "outlook_human.eml")])
    assert json.loads(result.stdout)["role"] == "unknown"


@pytest.mark.parametrize("command", [["inspect"], ["thread", "--po", PO]])
def test_bad_path_is_one_line_and_exit_2(runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    result = runner.invoke(app, ["emails", *command, str(tmp_path / "missing.mbox")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'missing.mbox'}: no such file or folder"
    assert "Traceback" not in result.output


def test_thread_shows_a_timeline_with_automatic_replies_and_statuses(runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(
        app,
        ["emails", "thread", str(folder), "--po", PO, "--relay", RELAY, "--now", "2026-10-20T00:00:00Z",
         "--seller-address", "support@brightgoods.example"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 1  # the BBB complaint was never answered
    out = result.stdout
    assert "AUTO out_of_office" in out
    assert "ON_TIME" in out and "2 h 15 min" in out  # the latency, as every surface writes durations
    assert "Timeline (America/Chicago)" in out and "Oct 2, 2026, 9:00 AM CDT" in out  # the seller's zone
    assert "UNANSWERED" in out and "COMPLAINT" in out


def test_thread_exit_0_when_every_message_got_a_reply(runner: CliRunner, folder: Path) -> None:
    (folder / "bbb_complaint.eml").unlink()
    result = runner.invoke(
        app, ["emails", "thread", str(folder), "--po", PO, "--now", "2026-10-20T00:00:00Z",
              "--seller-address", "support@brightgoods.example", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["status"] for c in data["reply_checks"]] == ["on_time"]
    assert len(data["threads"][0]["messages"]) == 3


def test_thread_with_no_message_for_the_po_exits_1(runner: CliRunner, folder: Path) -> None:
    args = ["emails", "thread", str(folder), "--po", "1111111111111", "--now", "2026-10-20T00:00:00Z"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "No messages found for PO 1111111111111" in result.stdout


@pytest.mark.parametrize(("option", "value"), [("--now", "next tuesday"), ("--po", "PO-12")])
def test_thread_bad_option_values_are_usage_errors(runner: CliRunner, folder: Path, option: str, value: str) -> None:
    args = {"--po": PO, "--now": "2026-10-20T00:00:00Z", option: value}
    result = runner.invoke(app, ["emails", "thread", str(folder), *[x for kv in args.items() for x in kv]])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1


def test_hostile_body_markup_is_printed_as_text(runner: CliRunner, tmp_path: Path) -> None:
    mail = tmp_path / "hostile.eml"
    mail.write_bytes(
        f"From: {RELAY}\r\nTo: support@brightgoods.example\r\nSubject: [bold red]PO {PO}[/bold red]\r\n"
        "Date: Fri, 2 Oct 2026 14:00:00 +0000\r\nMessage-ID: <h@x>\r\n\r\n[link=https://evil.example]click[/link]\r\n".encode()
    )
    result = runner.invoke(app, ["emails", "thread", str(mail), "--po", PO, "--now", "2026-10-03T00:00:00Z"],
                           env={"COLUMNS": "200"})  # fmt: skip
    assert "[bold red]PO" in result.stdout and "[link=https://evil.example]" in result.stdout
