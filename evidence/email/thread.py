"""Threading: Message-ID / In-Reply-To / References, JWZ-style, with a subject fallback.

Follows Jamie Zawinski's algorithm (https://www.jwz.org/doc/threading.html), the one mail
clients use:

1. One container per Message-ID, including ids only seen in ``References`` / ``In-Reply-To``
   (a *missing parent*: a message we do not have, kept as an empty container so that its
   replies still hang together).
2. Each message's reference chain links parent -> child, never creating a loop (a link that would
   make a container its own ancestor is skipped, so ``A -> B -> A`` cannot hang the walk).
3. A second, different message with an id already taken (*duplicate id*) is kept under a new id
   ``<id>#dup<n>`` with a note; dropping it would lose evidence.
4. Empty containers are pruned: their children move up (at the top only when there is a single
   child, so unrelated replies to the same missing message stay together under it).
5. Subject fallback: top-level conversations whose subjects agree once ``Re:``, ``Fwd:``,
   ``AW:``, ``SV:``, "Automatic reply:", "Read:", "Undeliverable:" and similar prefixes (and
   ``[list]`` tags) are stripped, are joined: the later ones become children of the earliest.
   This is what threads Seller Center Inbox messages, which carry no Message-ID headers.

``build_threads`` returns the conversation trees, ``to_threads`` the flat ``Thread`` models
(messages oldest first) the bundle stores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from evidence.models import Message, Thread

__all__ = ["ThreadNode", "build_threads", "normalize_subject", "to_threads"]

_PREFIX = re.compile(
    r"^\s*(\[[^\]]{1,40}\]\s*)*"
    r"(re|fw|fwd|aw|wg|sv|vs|antw|antwort|rv|tr|ref|odp|res|enc|r|rif|automatic reply|auto reply|autoreply|auto|"
    r"out of office|r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|abwesenheitsnotiz|"
    r"automatische antwort|automatyczna odpowied[źz]|read|gelesen|lu|le[íi]do|letto|undeliverable|unzustellbar|"
    r"non remis)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)


def normalize_subject(subject: str) -> str:
    """The subject with reply / forward / auto-reply prefixes and list tags removed, case-folded."""
    text = subject or ""
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"^\s*(\[[^\]]{1,40}\]\s*)+", "", text)
    return " ".join(text.split()).casefold()


@dataclass(eq=False)
class ThreadNode:
    """A container: a message (None for a missing parent) and its replies."""

    message_id: str
    message: Message | None = None
    parent: ThreadNode | None = None
    children: list[ThreadNode] = field(default_factory=list)

    def is_ancestor_of(self, other: ThreadNode) -> bool:
        node = other.parent
        while node is not None:
            if node is self:
                return True
            node = node.parent
        return False

    def adopt(self, child: ThreadNode) -> None:
        if child.parent is not None:
            child.parent.children.remove(child)
        child.parent = self
        self.children.append(child)

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Message]]:
        """Messages depth first, replies in time order, with their depth."""
        if self.message is not None:
            yield depth, self.message
        for child in sorted(self.children, key=_sort_key):
            yield from child.walk(depth + (1 if self.message is not None else 0))

    def messages(self) -> list[Message]:
        return sorted((m for _, m in self.walk()), key=lambda m: (m.sent_at, m.message_id))


def _sort_key(node: ThreadNode) -> tuple[str, str]:
    times = [m.sent_at.isoformat() for _, m in node.walk()]
    return (min(times) if times else "", node.message_id)


def _link(parent: ThreadNode, child: ThreadNode) -> bool:
    if parent is child or child.is_ancestor_of(parent):
        return False  # would create a loop
    parent.adopt(child)
    return True


def build_threads(messages: Iterable[Message]) -> list[ThreadNode]:
    """Conversation trees, oldest conversation first (see the module doc)."""
    table: dict[str, ThreadNode] = {}

    def container(message_id: str) -> ThreadNode:
        node = table.get(message_id)
        if node is None:
            node = table[message_id] = ThreadNode(message_id)
        return node

    for message in sorted(messages, key=lambda m: (m.sent_at, m.message_id)):
        node = container(message.message_id)
        if node.message is not None:
            n = 2
            while f"{message.message_id}#dup{n}" in table:
                n += 1
            new_id = f"{message.message_id}#dup{n}"
            note = f"duplicate Message-ID {message.message_id}: another message already has it; kept as {new_id}"
            message = message.model_copy(update={"message_id": new_id, "notes": [*message.notes, note]})
            node = container(new_id)
        node.message = message
        chain = list(dict.fromkeys([*message.references, *([message.in_reply_to] if message.in_reply_to else [])]))
        chain = [ref for ref in chain if ref != message.message_id]
        for parent_id, child_id in zip(chain, chain[1:], strict=False):
            child = container(child_id)
            if child.parent is None:
                _link(container(parent_id), child)
        if chain:
            # The message's own In-Reply-To / last reference wins over what others implied.
            parent = container(chain[-1])
            if node.parent is not parent and parent is not node and not node.is_ancestor_of(parent):
                _link(parent, node)

    roots = [node for node in table.values() if node.parent is None]
    roots = _prune(roots)
    return _group_by_subject(roots)


def _prune(nodes: list[ThreadNode], top: bool = True) -> list[ThreadNode]:
    result: list[ThreadNode] = []
    for node in nodes:
        node.children = _prune(node.children, top=False)
        for child in node.children:
            child.parent = node
        if node.message is None and not node.children:
            continue
        if node.message is None and (not top or len(node.children) == 1):
            for child in node.children:
                child.parent = None
            result.extend(node.children)
            continue
        result.append(node)
    return result


def _subject_of(node: ThreadNode) -> str:
    first = min((m for _, m in node.walk()), key=lambda m: m.sent_at, default=None)
    return normalize_subject(first.subject) if first else ""


def _group_by_subject(roots: list[ThreadNode]) -> list[ThreadNode]:
    roots = sorted(roots, key=_sort_key)
    by_subject: dict[str, ThreadNode] = {}
    out: list[ThreadNode] = []
    for root in roots:
        subject = _subject_of(root)
        home = by_subject.get(subject) if subject else None
        if home is None:
            if subject:
                by_subject[subject] = root
            out.append(root)
        else:
            home.adopt(root)
    return out


def to_threads(po: str, messages: Iterable[Message]) -> list[Thread]:
    """One ``Thread`` per conversation, messages oldest first, subject of the first message."""
    threads = []
    for root in build_threads(messages):
        ordered = root.messages()
        if ordered:
            threads.append(Thread(po=po, subject=ordered[0].subject, messages=ordered))
    return threads
