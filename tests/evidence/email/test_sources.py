from __future__ import annotations

import shutil
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from evidence.email.collect import PathSource, collect_thread
from evidence.email.match import OrderKey
from evidence.email.roles import EmailConfig
from evidence.email.sources import EmailSourceError, PathKind, detect_kind, iter_mbox, iter_path

from .mailgen import PO, RELAY, message_bytes, write_mbox


def test_folder_of_eml_files_is_read_in_path_order(data_dir: Path) -> None:
    items = list(iter_path(data_dir))
    assert len(items) == len(list(data_dir.glob("*.eml")))
    assert [Path(i.origin).name for i in items] == sorted(p.name for p in data_dir.glob("*.eml"))
    assert items[0].data == (data_dir / Path(items[0].origin).name).read_bytes()


def test_single_eml_file(data_dir: Path) -> None:
    [item] = iter_path(data_dir / "customer_question.eml")
    assert item.data.startswith(b"Return-Path:")
    assert item.fallback_time is not None


def test_mbox_splits_on_from_lines_and_unquotes_mboxrd(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "takeout.mbox", 60)
    assert detect_kind(path) is PathKind.MBOX
    items = list(iter_mbox(path))
    assert len(items) == 60
    assert items[5].data == message_bytes(5, po=None)  # byte for byte, separator and blank line removed
    assert items[3].origin == f"mbox:{path}#3"
    assert b"\r\nFrom the desk of the editor" in items[3].data  # one level of ">" removed
    assert b"\r\n>From here on" in items[3].data or b"\r\nFrom here on" in items[3].data


def test_mbox_body_line_starting_with_from_does_not_split(tmp_path: Path) -> None:
    path = tmp_path / "plain.mbox"
    path.write_bytes(
        b"From a@example.com Fri Oct  2 14:00:00 2026\n"
        b"Subject: one\n\nFrom what I can tell, the box was empty.\n\n"
        b"From b@example.com Fri Oct  2 15:00:00 2026\nSubject: two\n\nsecond\n"
    )
    items = list(iter_mbox(path))
    assert [i.data.split(b"\n")[0] for i in items] == [b"Subject: one", b"Subject: two"]
    assert b"From what I can tell" in items[0].data


def test_maildir_reads_cur_and_new(tmp_path: Path, data_dir: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / "md" / sub).mkdir(parents=True)
    shutil.copy(data_dir / "customer_question.eml", tmp_path / "md" / "cur" / "1791036000.M1P1.host:2,S")
    shutil.copy(data_dir / "outlook_human.eml", tmp_path / "md" / "new" / "1791036100.M2P1.host")
    shutil.copy(data_dir / "bbb_complaint.eml", tmp_path / "md" / "tmp" / "1791036200.M3P1.host")  # not delivered
    assert detect_kind(tmp_path / "md") is PathKind.MAILDIR
    assert len(list(iter_path(tmp_path / "md"))) == 2


@pytest.mark.parametrize("name", ["missing.mbox", "missing-folder"])
def test_missing_path_is_a_one_line_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(EmailSourceError, match=r"no such file or folder$"):
        iter_path(tmp_path / name)


def test_non_mail_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 JFIF")
    with pytest.raises(EmailSourceError, match="not an e-mail file, mbox or Maildir"):
        iter_path(path)


def _import_peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        evidence = collect_thread(
            OrderKey(PO, None, RELAY), [PathSource(path)],
            EmailConfig(seller_addresses=["support@brightgoods.example"]),
            now=datetime(2026, 12, 1, tzinfo=UTC),
        )  # fmt: skip
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, sum(len(t.messages) for t in evidence.threads)


def test_mbox_import_memory_does_not_grow_with_mailbox_size(tmp_path: Path) -> None:
    small = write_mbox(tmp_path / "small.mbox", 500)
    large = write_mbox(tmp_path / "large.mbox", 5000)
    assert large.stat().st_size > 9 * small.stat().st_size
    _import_peak(write_mbox(tmp_path / "warm-up.mbox", 20))  # first-use caches (regexes, codecs) out of the way
    small_peak, small_found = _import_peak(small)
    large_peak, large_found = _import_peak(large)
    assert small_found == large_found == 3  # the order's messages are found in both
    assert large_peak / small_peak < 2, (small_peak, large_peak)

