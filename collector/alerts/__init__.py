"""Alerts: what a watch cycle raises (``rules``), where it goes (``channels``: SMTP, webhook), and
``raise_alerts``/``deliver``: each alert queued once per channel in the case store, sent, and
retried on the next cycle when a channel fails (up to ``MAX_ATTEMPTS``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

import structlog

from collector.alerts.channels import AlertNotSent, Channel, EmailChannel, WebhookChannel, channels_for
from collector.cases.store import AlertRecord, CaseStore

__all__ = ["MAX_ATTEMPTS", "AlertNotSent", "Channel", "EmailChannel", "WebhookChannel", "channels_for", "deliver",
           "raise_alerts"]

log = structlog.get_logger()
MAX_ATTEMPTS = 10


def raise_alerts(store: CaseStore, alerts: Iterable[AlertRecord], channels: Sequence[Channel]) -> int:
    """Queue each alert for every channel (and once under ``store`` when there is none); returns
    how many were new."""
    names = [c.name for c in channels] or ["store"]
    return sum(store.queue_alert(replace(alert, channel=name)) for alert in alerts for name in names)


def deliver(store: CaseStore, channels: Sequence[Channel], now: datetime) -> tuple[int, int]:
    """Send every queued alert of a configured channel; returns (sent, failed)."""
    by_name = {c.name: c for c in channels}
    sent = failed = 0
    for alert in store.unsent_alerts(MAX_ATTEMPTS):
        channel = by_name.get(alert.channel)
        if channel is None:
            continue  # queued for a channel no longer configured (or recorded only)
        try:
            channel.send(alert)
        except AlertNotSent as exc:
            store.mark_failed(alert.key, alert.channel, str(exc))
            log.warning("alert.failed", key=alert.key, channel=alert.channel, reason=str(exc),
                        attempts=alert.attempts + 1)
            failed += 1
            continue
        store.mark_sent(alert.key, alert.channel, now)
        log.info("alert.sent", key=alert.key, channel=alert.channel)
        sent += 1
    return sent, failed
