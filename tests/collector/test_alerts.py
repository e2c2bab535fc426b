"""Alerts to a real local SMTP server (STARTTLS, then AUTH) and a local webhook receiver: the
right alerts, each once, retried when a channel fails, none once the refund is filed, and no
secret or customer e-mail body in any of them. The refund is the example bundle's (issued Nov 19
16:40 UTC, 48-hour window: deadline Nov 21 16:40 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector.alerts import EmailChannel, WebhookChannel, channels_for, deliver, raise_alerts
from collector.alerts.channels import AlertNotSent
from collector.alerts.rules import decision_alerts, deadline_alerts, refund_found
from collector.cases import SqliteCaseStore, TrackedCase
from collector.cases.overview import load_overview
from collector.cases.store import CaseChange
from collector.settings import load_settings
from evidence.bundle import write_bundle
from evidence.bundle.example import PO, TRANSACTION, example_artifacts, example_case, example_context, fixed_clock
from evidence.models import CaseStatus
from tests.collector.alert_servers import SMTP_PASSWORD, SMTP_USER, SmtpServer, WebhookReceiver, smtp_server, webhook

__all__ = ["smtp_server", "webhook"]  # fixtures used below

DEADLINE = datetime(2026, 11, 21, 16, 40, tzinfo=UTC)
BODY = "Hi, my package never arrived. Where is it?"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    write_bundle(tmp_path / "bundles", example_case(BODY), example_artifacts(), example_context(), clock=fixed_clock)
    return tmp_path


def _channels(smtp: SmtpServer, hook: WebhookReceiver) -> list:  # type: ignore[type-arg]
    return [EmailChannel(host="127.0.0.1", port=smtp.port, sender="collector@seller.example",
                         recipients=["ops@seller.example"], user=SMTP_USER, password=SMTP_PASSWORD,
                         ssl_context=smtp.client_context),
            WebhookChannel(hook.url)]


def _cycle(out: Path, store: SqliteCaseStore, channels: list, now: datetime) -> tuple[int, int]:  # type: ignore[type-arg]
    """What a watch cycle does about deadlines: re-assess, raise, deliver."""
    rows = load_overview(out, now).rows
    raise_alerts(store, deadline_alerts(rows, now, [12, 4], "America/Chicago"), channels)
    return deliver(store, channels, now)


def test_deadline_alerts_go_once_per_threshold_and_stop_once_filed(
        out: Path, smtp_server: SmtpServer, webhook: WebhookReceiver) -> None:
    channels = _channels(smtp_server, webhook)
    with SqliteCaseStore(out / ".collector" / "cases.sqlite") as store:
        assert _cycle(out, store, channels, DEADLINE - timedelta(hours=20)) == (0, 0)  # 20 h left: nothing yet
        assert _cycle(out, store, channels, DEADLINE - timedelta(hours=11)) == (2, 0)  # 12 h crossed: both channels
        assert _cycle(out, store, channels, DEADLINE - timedelta(hours=10)) == (0, 0)  # the same alert: not again
        assert _cycle(out, store, channels, DEADLINE - timedelta(hours=3, minutes=30)) == (2, 0)  # 4 h crossed
        store.save_case(TrackedCase("5900000001", PO, TRANSACTION, "Customer Care refund",
                                    DEADLINE - timedelta(hours=3), CaseStatus.SUBMITTED))
        assert _cycle(out, store, channels, DEADLINE - timedelta(hours=1)) == (0, 0)  # filed: no more
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert len(subjects) == 2 and all(f"PO {PO}" in s and s.startswith("[cc-refund-collector] Dispute deadline in")
                                      for s in subjects)
    assert smtp_server.logins == [SMTP_USER, SMTP_USER]
    assert [b["details"]["threshold_hours"] for b in webhook.bodies] == ["12h", "4h"]
    assert all("Nov 21, 2026, 10:40 AM CST" in b["text"] for b in webhook.bodies)
    everything = "\n".join([*(m.as_string() for m in smtp_server.messages), *(str(b) for b in webhook.bodies)])
    for secret in (BODY, "never arrived", "jane", SMTP_PASSWORD, "secret-token-xyz", "1200 Example Avenue"):
        assert secret.lower() not in everything.lower()


def test_a_failing_webhook_is_retried_on_the_next_cycle_and_delivered_once(
        out: Path, smtp_server: SmtpServer, webhook: WebhookReceiver) -> None:
    channels = _channels(smtp_server, webhook)
    webhook.fail_next = 1
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    alerts = [refund_found(PO, TRANSACTION, now),
              *decision_alerts([CaseChange("5900000001", CaseStatus.DENIED, now, now)], {"5900000001": PO}, now,
                               "America/Chicago")]
    with SqliteCaseStore(out / ".collector" / "cases.sqlite") as store:
        assert raise_alerts(store, alerts, channels) == 4
        assert deliver(store, channels, now) == (3, 1)
        failed = [a for a in store.alerts() if a.sent_at is None]
        assert [(a.channel, a.attempts, a.last_error) for a in failed] == [("webhook", 1, "webhook answered HTTP 500")]
        assert raise_alerts(store, alerts, channels) == 0  # seen again next cycle: not queued twice
        assert deliver(store, channels, now + timedelta(minutes=30)) == (1, 0)
        assert deliver(store, channels, now + timedelta(minutes=60)) == (0, 0)
    assert sorted(b["kind"] for b in webhook.bodies) == ["decision", "refund_found"]
    assert sorted(m["Subject"] for m in smtp_server.messages) == [
        "[cc-refund-collector] Dispute 5900000001 denied: PO 4342076435326",
        f"[cc-refund-collector] New Customer Care refund on PO {PO}"]
    assert all(m["Auto-Submitted"] == "auto-generated" for m in smtp_server.messages)


def test_smtp_refuses_a_wrong_password_without_echoing_it(smtp_server: SmtpServer) -> None:
    channel = EmailChannel(host="127.0.0.1", port=smtp_server.port, sender="a@b.example", recipients=["c@d.example"],
                           user=SMTP_USER, password="wrong-password-123", ssl_context=smtp_server.client_context)
    with pytest.raises(AlertNotSent) as caught:
        channel.send(refund_found(PO, TRANSACTION, datetime(2026, 11, 20, tzinfo=UTC)))
    assert "authentication failed" in str(caught.value) and "wrong-password-123" not in str(caught.value)
    assert smtp_server.messages == []


def test_smtp_without_starttls_is_never_sent_in_clear(smtp_server: SmtpServer) -> None:
    """The server demands STARTTLS; a client told "none" is refused before any AUTH or DATA."""
    channel = EmailChannel(host="127.0.0.1", port=smtp_server.port, sender="a@b.example", recipients=["c@d.example"],
                           security="none", user=SMTP_USER, password=SMTP_PASSWORD)
    with pytest.raises(AlertNotSent):
        channel.send(refund_found(PO, TRANSACTION, datetime(2026, 11, 20, tzinfo=UTC)))
    assert smtp_server.messages == [] and smtp_server.logins == []


def test_channels_come_from_the_settings() -> None:
    assert channels_for(load_settings()) == []
    settings = load_settings(smtp_host="mail.example", alert_email_to=["ops@example.com"],
                             alert_webhook_url="https://hooks.example/T/B/x", smtp_password="pw")
    email, hook = channels_for(settings)
    assert (email.name, email.port, email.security, email.password, hook.name) == ("email", 587, "starttls", "pw",
                                                                                    "webhook")
    assert "hooks.example" not in repr(hook) and "pw" not in repr(email)
