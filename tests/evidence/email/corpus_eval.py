"""Score ``classify`` on the labelled corpus and print the table docs/email.md shows.

The corpus is ``tests/evidence/email/corpus/<kind>/<family>--<name>.eml``: the folder is the kind the
message must get (a ``MessageKind`` value), the part of the file name before ``--`` says which
family of signal it exercises. Every file is hand-written after a mail client's or server's
documented format and says what it imitates in its first header, ``X-Corpus-Note``.

Run it: ``.venv/bin/python -m tests.evidence.email.corpus_eval`` (from the repository root).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evidence.email.classify import classify
from evidence.email.parse import parse_email
from evidence.models import MessageKind

CORPUS = Path(__file__).parent / "corpus"

FAMILIES = {
    "subject": "auto-reply subject markers (Outlook/Exchange, Notes, Yahoo, webmail; many languages)",
    "nullbulk": "null reverse path + Precedence: bulk/junk (RFC 3834)",
    "challenge": "challenge-response / sender verification",
    "header": "automatic headers (Auto-Submitted, Sieve, Gmail, Zimbra, Exchange, cPanel)",
    "body": "autoresponder wording only",
    "report": "bounces and read receipts",
    "human": "human mail, including traps",
}
KINDS = [k for k in MessageKind]


@dataclass(frozen=True)
class Case:
    path: Path
    expected: MessageKind
    family: str
    got: MessageKind
    reasons: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def correct(self) -> bool:
        return self.got is self.expected

    @property
    def human_auto_correct(self) -> bool:
        return (self.got is MessageKind.HUMAN) == (self.expected is MessageKind.HUMAN)


def load_cases(root: Path = CORPUS) -> list[Case]:
    cases = []
    for path in sorted(root.glob("*/*.eml")):
        expected = MessageKind(path.parent.name)
        family = path.stem.split("--", 1)[0]
        verdict = classify(parse_email(path.read_bytes(), origin=str(path)))
        cases.append(Case(path, expected, family, verdict.kind, tuple(verdict.reasons)))
    return cases


@dataclass(frozen=True)
class KindScore:
    kind: MessageKind
    messages: int  # labelled with this kind
    predicted: int  # classified as this kind
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.messages if self.messages else None


@dataclass(frozen=True)
class Report:
    cases: list[Case]

    @property
    def accuracy(self) -> float:
        return sum(c.correct for c in self.cases) / len(self.cases)

    @property
    def human_auto_accuracy(self) -> float:
        return sum(c.human_auto_correct for c in self.cases) / len(self.cases)

    @property
    def humans_flagged(self) -> list[Case]:
        return [c for c in self.cases if c.expected is MessageKind.HUMAN and c.got is not MessageKind.HUMAN]

    @property
    def automatic_missed(self) -> list[Case]:
        return [c for c in self.cases if c.expected is not MessageKind.HUMAN and c.got is MessageKind.HUMAN]

    @property
    def wrong(self) -> list[Case]:
        return [c for c in self.cases if not c.correct]

    def by_kind(self) -> list[KindScore]:
        scores = []
        for kind in KINDS:
            messages = sum(c.expected is kind for c in self.cases)
            predicted = sum(c.got is kind for c in self.cases)
            if messages or predicted:
                correct = sum(c.expected is kind and c.got is kind for c in self.cases)
                scores.append(KindScore(kind, messages, predicted, correct))
        return scores

    def by_family(self) -> list[tuple[str, int, int, int]]:
        """(family, messages, right kind, right human-or-automatic)."""
        rows = []
        for family in FAMILIES:
            fam = [c for c in self.cases if c.family == family]
            if fam:
                rows.append((family, len(fam), sum(c.correct for c in fam), sum(c.human_auto_correct for c in fam)))
        return rows


def evaluate(root: Path = CORPUS) -> Report:
    return Report(load_cases(root))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def markdown(report: Report) -> str:
    """The tables docs/email.md shows (regenerate them with this module)."""
    n = len(report.cases)
    lines = [
        "| kind | messages | classified as | correct | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in report.by_kind():
        cells = [s.kind.value, s.messages, s.predicted, s.correct, _pct(s.precision), _pct(s.recall)]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += [
        "",
        "| family (file name prefix) | messages | right kind | right human/automatic |",
        "|---|---:|---:|---:|",
    ]
    for family, count, right, right_ha in report.by_family():
        lines.append(f"| `{family}`: {FAMILIES[family]} | {count} | {right} | {right_ha} |")
    lines += [
        "",
        f"Overall: {n} messages, accuracy (exact kind) {report.accuracy:.3f}, human vs automatic "
        f"{report.human_auto_accuracy:.3f}; human messages flagged automatic: {len(report.humans_flagged)}; "
        f"automatic messages missed: {len(report.automatic_missed)}.",
    ]
    return "\n".join(lines)


def describe_wrong(report: Report) -> str:
    return "\n".join(f"{c.name}: expected {c.expected.value}, got {c.got.value} ({'; '.join(c.reasons)})"
                     for c in report.wrong)  # fmt: skip


if __name__ == "__main__":
    result = evaluate()
    print(markdown(result))
    if result.wrong:
        print("\nMisclassified:\n" + describe_wrong(result))
