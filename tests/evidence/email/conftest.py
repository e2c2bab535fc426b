"""Fixtures for the e-mail tests: a message factory, the fixture folder, a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from evidence.models import Message, MessageKind, MessageSource, Role

DATA = Path(__file__).parent / "data"
T0 = datetime(2026, 10, 2, 14, 0, tzinfo=UTC)  # a Friday: weekends fall inside 48-hour windows

MessageFactory = Callable[..., Message]


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def make_message() -> MessageFactory:
    counter = iter(range(1, 10_000))

    def make(
        role: Role,
        hours: float,
        *,
        kind: MessageKind = MessageKind.HUMAN,
        message_id: str | None = None,
        **fields: Any,
    ) -> Message:
        n = next(counter)
        return Message(
            message_id=message_id or f"m{n}@test",
            source=fields.pop("source", MessageSource.MAILBOX),
            sent_at=T0 + timedelta(hours=hours),
            sender=fields.pop("sender", f"{role.value}@example.com"),
            role=role,
            kind=kind,
            automatic=kind is not MessageKind.HUMAN,
            **fields,
        )

    return make
