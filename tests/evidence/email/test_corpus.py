"""The labelled corpus (corpus/<kind>/<family>--<name>.eml): accuracy, no human mail flagged, reasons.

``python -m tests.evidence.email.corpus_eval`` prints the same tables as docs/email.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evidence.models import MessageKind
from tests.evidence.email.corpus_eval import CORPUS, FAMILIES, Report, describe_wrong, evaluate, markdown

DOCS = Path(__file__).resolve().parents[3] / "docs" / "email.md"


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate()


def test_corpus_is_labelled_and_big_enough(report: Report) -> None:
    assert len(report.cases) >= 80
    assert {c.family for c in report.cases} <= set(FAMILIES), "unknown family prefix in a corpus file name"
    counts = {family: sum(c.family == family for c in report.cases) for family in FAMILIES}
    # the three kinds of miss found in real mail, and the human traps, each have a real sample
    assert counts["subject"] >= 20 and counts["nullbulk"] >= 6 and counts["challenge"] >= 8, counts
    assert counts["human"] >= 30, counts
    for path in CORPUS.glob("*/*.eml"):
        assert path.read_bytes().startswith(b"X-Corpus-Note: "), f"{path.name}: say what it imitates"


def test_accuracy_is_at_least_99_percent(report: Report) -> None:
    print("\n" + markdown(report))
    assert report.accuracy >= 0.99, describe_wrong(report)


def test_no_human_message_is_flagged_automatic(report: Report) -> None:
    flagged = report.humans_flagged
    assert not flagged, "\n".join(f"{c.name}: {c.got.value} ({'; '.join(c.reasons)})" for c in flagged)


@pytest.mark.parametrize(
    ("family", "rule"),
    [
        ("subject", re.compile(r"(out-of-office|vacation|automatic-reply) subject .*: ")),
        ("nullbulk", re.compile(r"null reverse path \(Return-Path: .*\) with Precedence: (bulk|junk)")),
        ("challenge", re.compile(r"challenge-response \(sender verification\)")),
    ],
)
def test_each_automatic_decision_names_its_rule(report: Report, family: str, rule: re.Pattern[str]) -> None:
    for case in report.cases:
        if case.family == family and case.got is not MessageKind.HUMAN:
            assert any(rule.search(r) for r in case.reasons), (case.name, case.reasons)


def test_docs_show_the_current_table(report: Report) -> None:
    table = markdown(report)
    assert table in DOCS.read_text(encoding="utf-8"), (
        "docs/email.md is out of date: paste the output of `python -m tests.evidence.email.corpus_eval`"
    )
