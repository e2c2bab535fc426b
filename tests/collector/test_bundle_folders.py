"""Every command that reads bundles takes the same PATHs: an output folder (``collect``'s, with
``bundles/`` inside, or ``demo``'s, with ``run-*/bundles/``), a folder of bundles, or one bundle;
a folder with none is one line and exit 1; a missing one, exit 2. ``jobs list/show`` take the
output folder as FOLDER (``--out`` still works, with a warning). Printed paths are absolute, and
a collect that cannot start leaves no folder behind (no browser)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.journal import Journal
from evidence.bundle import write_bundle
from evidence.bundle.example import example_artifacts, example_case, example_context, fixed_clock

runner = CliRunner()
PO = "4342076435326"
NOW = "2026-11-20T21:15Z"  # the example refund's dispute window is still open


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLLECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    for key in ("COLLECTOR_EMAIL", "COLLECTOR_PASSWORD", "COLLECTOR_TOTP_SECRET", "COLLECTOR_CONFIG",
                "COLLECTOR_POLICY_ID"):  # fmt: skip
        monkeypatch.delenv(key, raising=False)


def _bundle(bundles_dir: Path) -> Path:
    return write_bundle(bundles_dir, example_case(), example_artifacts(), example_context(), clock=fixed_clock).path


def _job(out: Path, job_id: str = "job-0000000000aa") -> None:
    with Journal(out / "jobs" / job_id / "journal.sqlite") as journal:
        journal.add_orders([PO])


@pytest.fixture
def layouts(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    """name -> (the PATH typed, the folder holding its bundles)."""
    out = tmp_path / "out"
    one = _bundle(out / "bundles")
    _job(out)
    demo = tmp_path / "demo"
    _bundle(demo / "run-20261119-090000" / "bundles")  # an older run: not the one used
    _bundle(demo / "run-20261120-090000" / "bundles")
    _job(demo / "run-20261120-090000")
    return {
        "collect output folder": (out, out / "bundles"),
        "demo output folder": (demo, demo / "run-20261120-090000" / "bundles"),
        "folder of bundles": (out / "bundles", out / "bundles"),
        "one bundle": (one, out / "bundles"),
    }


def _export(path: Path, tmp: Path) -> list[str]:
    return ["export", str(path), "--out", str(tmp / "zips")]


COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "verify": lambda path, tmp: ["verify", str(path)],
    "deadlines": lambda path, tmp: ["deadlines", str(path), "--now", NOW, "--format", "csv"],
    "export": _export,
    "index": lambda path, tmp: ["index", str(path)],
    "assess": lambda path, tmp: ["assess", str(path), "--now", NOW, "--dry-run"],
}
LAYOUTS = ["collect output folder", "demo output folder", "folder of bundles", "one bundle"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_bundle_command_finds_the_bundles(
    command: str, layout: str, layouts: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    path, folder = layouts[layout]
    result = runner.invoke(app, COMMANDS[command](path, tmp_path))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    if command == "verify":
        summary = f"{path if layout == 'one bundle' else folder}: 1 of 1 bundle(s) verified"
        assert result.stdout.splitlines()[-1] == summary
    elif command in ("deadlines", "assess"):
        assert PO in result.stdout
    elif command == "export":
        assert len(list((tmp_path / "zips").glob("*.zip"))) == 1
    elif command == "index":
        assert (folder / "index.html").is_file() and f"wrote {folder / 'index.html'}" in result.output


def test_the_newest_demo_run_is_used_and_said_when_there_are_several(layouts: dict[str, tuple[Path, Path]]) -> None:
    demo, newest = layouts["demo output folder"]
    result = runner.invoke(app, ["verify", str(demo)])
    assert result.exit_code == 0, result.output
    assert f"{newest}: 1 of 1" in result.stdout
    assert "holds 2 demo runs: using the newest, run-20261120-090000" in result.stderr


EMPTY = {
    "an empty folder": lambda tmp: tmp / "empty",
    "an output folder whose job never wrote a bundle": lambda tmp: tmp / "nothing",
}


@pytest.mark.parametrize("empty", sorted(EMPTY))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_folder_without_bundles_is_one_line_and_exit_1(command: str, empty: str, tmp_path: Path) -> None:
    path = EMPTY[empty](tmp_path)
    (path / "bundles").mkdir(parents=True)
    (path / "jobs").mkdir()
    result = runner.invoke(app, COMMANDS[command](path, tmp_path))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip() and not line.startswith("Assessing")]
    assert len(lines) == 1 and lines[0].startswith("error: no bundles in "), result.output
    assert str(path) in lines[0]
    assert not (path / "index.html").exists() and not (path / "bundles" / "index.html").exists()
    assert not (tmp_path / "zips").exists() or not list((tmp_path / "zips").iterdir())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_missing_path_is_a_usage_error(command: str, tmp_path: Path) -> None:
    result = runner.invoke(app, COMMANDS[command](tmp_path / "missing", tmp_path))
    assert result.exit_code == 2, result.output
    assert "no such" in result.output and "Traceback" not in result.output


def test_verify_json_reports_a_folder_without_bundles(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["verify", "--json", str(tmp_path / "empty")])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["paths"][0]["problems"][0]["code"] == "path.no_bundles"


def test_printed_paths_are_absolute_when_the_path_typed_is_relative(layouts: dict[str, tuple[Path, Path]]) -> None:
    result = runner.invoke(app, ["verify", "out"])  # relative to the working folder (tmp_path)
    folder = layouts["collect output folder"][1]
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith(f"{folder}: 1 of 1")
    assert f"({folder}/" in result.stdout  # each bundle's location
    indexed = runner.invoke(app, ["index", "out"])
    assert f"wrote {folder / 'index.html'}" in indexed.stdout


# --------------------------------------------------------------------------- jobs list / show


@pytest.mark.parametrize(
    ("args", "job"),
    [
        (["jobs", "list", "out"], "job-0000000000aa"),
        (["jobs", "list", "demo"], "job-0000000000aa"),
        (["jobs", "list", "out/bundles"], "job-0000000000aa"),
        (["jobs", "show", "job-0000000000aa", "out", "--json"], PO),
        (["jobs", "show", "job-0000000000aa", "demo"], PO),
    ],
)
def test_jobs_take_the_output_folder_as_folder(args: list[str], job: str, layouts: dict[str, tuple[Path, Path]]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert job in result.stdout


def test_jobs_list_defaults_to_out(layouts: dict[str, tuple[Path, Path]]) -> None:
    result = runner.invoke(app, ["jobs", "list"])
    assert result.exit_code == 0 and "job-0000000000aa" in result.stdout


def test_jobs_out_still_works_with_a_warning(layouts: dict[str, tuple[Path, Path]]) -> None:
    result = runner.invoke(app, ["jobs", "show", "job-0000000000aa", "--out", "out", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["po"] == PO
    assert "`--out` is deprecated here: write `collector jobs show job-0000000000aa out`" in result.stderr
    assert "--out" not in runner.invoke(app, ["jobs", "list", "--help"], env={"COLUMNS": "200"}).stdout


def test_jobs_in_a_folder_without_jobs_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["jobs", "list", "empty"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: no jobs in ") and len(result.output.strip().splitlines()) == 1
    assert runner.invoke(app, ["jobs", "list", "missing"]).exit_code == 2


# --------------------------------------------------------------------------- collect: absolute paths, no empty job folder


def test_collect_that_cannot_start_leaves_no_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["collect", "--po", PO, "--out", "fresh"])  # no saved session, no credentials
    assert result.exit_code == 2 and "collector login" in result.output
    assert not (tmp_path / "fresh").exists()


def test_collect_that_cannot_start_keeps_an_existing_folder_but_adds_no_job(tmp_path: Path) -> None:
    _job(tmp_path / "kept", "job-0123456789ab")
    result = runner.invoke(app, ["collect", "--po", PO, "--out", "kept"])
    assert result.exit_code == 2
    assert [p.name for p in (tmp_path / "kept" / "jobs").iterdir()] == ["job-0123456789ab"]


def test_resuming_an_unknown_job_leaves_no_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["collect", "--resume", "job-ffffffffffff", "--out", "fresh"])
    assert result.exit_code == 2 and "collector jobs list" in result.output and "--out" not in result.output
    assert not (tmp_path / "fresh").exists()


@pytest.mark.parametrize("command", ["collect", "demo"])
def test_the_output_folder_is_made_absolute_before_the_job_runs(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[Path] = []

    def stop(*args: object, **kwargs: object) -> None:
        seen.append(next(a for a in args if isinstance(a, Path)))
        raise SystemExit(0)

    monkeypatch.setattr(f"collector.commands.{command}.run_{'job' if command == 'collect' else 'demo'}", stop)
    runner.invoke(app, [command, "--out", "rel"] + (["--po", PO] if command == "collect" else []))
    assert seen == [tmp_path / "rel"]
