from __future__ import annotations

import pytest

from evidence.email.thread import build_threads, normalize_subject, to_threads
from evidence.models import Message, Role

from .conftest import MessageFactory


def ids(messages: list[Message]) -> list[str]:
    return [m.message_id for m in messages]


def shape(root) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(depth, m.message_id) for depth, m in root.walk()]


def test_replies_thread_under_their_parents_by_headers(make_message: MessageFactory) -> None:
    a = make_message(Role.CUSTOMER, 0, message_id="a", subject="Where is my order?")
    b = make_message(Role.SELLER, 1, message_id="b", subject="Totally different", in_reply_to="a", references=["a"])
    c = make_message(Role.CUSTOMER, 2, message_id="c", subject="Re: x", references=["a", "b"])
    [root] = build_threads([c, b, a])
    assert shape(root) == [(0, "a"), (1, "b"), (2, "c")]


def test_missing_parent_keeps_its_replies_together(make_message: MessageFactory) -> None:
    # Both reply to "lost", which we do not have; they stay in one conversation.
    b = make_message(Role.SELLER, 1, message_id="b", subject="Re: one", in_reply_to="lost")
    c = make_message(Role.CUSTOMER, 2, message_id="c", subject="Re: two", references=["lost", "b"])
    d = make_message(Role.SELLER, 3, message_id="d", subject="Re: three", in_reply_to="lost")
    threads = to_threads("1234567890123", [b, c, d])
    assert len(threads) == 1
    assert ids(threads[0].messages) == ["b", "c", "d"]


def test_reference_loop_does_not_hang_or_lose_messages(make_message: MessageFactory) -> None:
    a = make_message(Role.CUSTOMER, 0, message_id="a", subject="loop", in_reply_to="b")
    b = make_message(Role.SELLER, 1, message_id="b", subject="loop", in_reply_to="a")
    c = make_message(Role.CUSTOMER, 2, message_id="c", subject="self", in_reply_to="c", references=["c"])
    messages = [m for t in to_threads("1234567890123", [a, b, c]) for m in t.messages]
    assert sorted(ids(messages)) == ["a", "b", "c"]


def test_duplicate_message_ids_keep_both_messages_with_a_note(make_message: MessageFactory) -> None:
    first = make_message(Role.CUSTOMER, 0, message_id="same@x", subject="Where is it?", body_text="first")
    second = make_message(Role.SELLER, 1, message_id="same@x", subject="Re: Where is it?", body_text="second")
    [thread] = to_threads("1234567890123", [first, second])
    assert ids(thread.messages) == ["same@x", "same@x#dup2"]
    assert thread.messages[1].body_text == "second"
    assert any("duplicate Message-ID same@x" in n for n in thread.messages[1].notes)


def test_subject_fallback_threads_messages_without_headers(make_message: MessageFactory) -> None:
    a = make_message(Role.CUSTOMER, 0, message_id="inbox-1", subject="Where is my order?")
    b = make_message(Role.SELLER, 1, message_id="inbox-2", subject="RE: Where is my order?")
    c = make_message(Role.CUSTOMER, 2, message_id="inbox-3", subject="AW: Fwd: Re:  where is MY order?")
    d = make_message(Role.SELLER, 3, message_id="inbox-4", subject="Automatic reply: Where is my order?")
    other = make_message(Role.CUSTOMER, 4, message_id="inbox-5", subject="Wrong color")
    threads = to_threads("1234567890123", [d, c, b, a, other])
    assert [ids(t.messages) for t in threads] == [["inbox-1", "inbox-2", "inbox-3", "inbox-4"], ["inbox-5"]]
    assert threads[0].subject == "Where is my order?"


def test_empty_subjects_are_not_joined(make_message: MessageFactory) -> None:
    a = make_message(Role.CUSTOMER, 0, message_id="a", subject="")
    b = make_message(Role.CUSTOMER, 1, message_id="b", subject="Re:")
    assert len(to_threads("1234567890123", [a, b])) == 2


@pytest.mark.parametrize(
    ("subject", "base"),
    [
        ("Re: Re: RE: hello", "hello"),
        ("Fwd: FW: hello", "hello"),
        ("AW: WG: SV: VS: Antw: hello", "hello"),
        ("Re[2]: hello", "hello"),
        ("[mp-sellers] Re: hello", "hello"),
        ("Réponse automatique : hello", "hello"),
        ("Reply needed", "reply needed"),
    ],
)
def test_normalize_subject_strips_reply_and_forward_prefixes(subject: str, base: str) -> None:
    assert normalize_subject(subject) == base
