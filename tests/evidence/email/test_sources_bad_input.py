"""Mail paths that are not regular files: a named pipe is refused (never waited on); the
process's own stdin (``/dev/stdin`` from a pipe) is read once, whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.email.sources import EmailSourceError, iter_path

from .mailgen import PO, message_bytes


@pytest.mark.timeout(20)
def test_a_named_pipe_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "mail.eml")
    with pytest.raises(EmailSourceError, match=r"mail\.eml: not a regular file"):
        list(iter_path(tmp_path / "mail.eml"))


@pytest.mark.timeout(20)
def test_a_named_pipe_in_a_folder_of_eml_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(message_bytes(1))
    os.mkfifo(tmp_path / "b.eml")
    assert [Path(item.origin).name for item in iter_path(tmp_path)] == ["a.eml"]


@pytest.mark.timeout(60)
def test_stdin_from_a_pipe_is_read_whole() -> None:
    data = message_bytes(1, po=PO, body_lines=200)
    assert len(data) > 8192
    script = (
        "import sys; from evidence.email.sources import iter_path\n"
        "[item] = iter_path('/dev/stdin')\n"
        "sys.stdout.write(str(len(item.data)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], input=data, capture_output=True, timeout=50, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert int(result.stdout) == len(data)
