"""Where alerts go: e-mail through SMTP (STARTTLS or implicit TLS, with authentication) and a
webhook (a JSON POST whose ``text`` field is what Slack's incoming webhooks show).

A channel's ``send`` raises ``AlertNotSent`` with a short reason that holds no secret (never the
password, never the webhook URL, which is a credential for Slack-like services).
"""

from __future__ import annotations

import email.policy
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from collector.cases.store import AlertRecord
from collector.settings import CollectorSettings

__all__ = ["AlertNotSent", "Channel", "EmailChannel", "WebhookChannel", "channels_for"]

TIMEOUT_S = 20


class AlertNotSent(Exception):
    """The channel refused or could not be reached; the alert stays queued for the next try."""


class Channel(Protocol):
    name: str

    def send(self, alert: AlertRecord) -> None: ...


@dataclass
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: list[str]
    security: str = "starttls"  # starttls | ssl | none
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)  # tests trust their own certificate
    name: str = "email"

    def _message(self, alert: AlertRecord) -> EmailMessage:
        # Lines up to 200 octets (RFC 5322 allows 998): Python folds a long subject right after "Subject:"
        message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=200))
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = alert.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain="cc-refund-collector")
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to an alert
        message["X-Collector-Alert"] = alert.key
        message.set_content(alert.text)
        return message

    def send(self, alert: AlertRecord) -> None:
        context = self.ssl_context or ssl.create_default_context()
        try:
            if self.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_S, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S)
            with client:
                if self.security == "starttls":
                    client.starttls(context=context)  # raises when the server does not offer it: never in clear
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(self._message(alert))
        except smtplib.SMTPAuthenticationError as exc:
            raise AlertNotSent(f"SMTP authentication failed ({exc.smtp_code})") from None
        except smtplib.SMTPNotSupportedError:
            raise AlertNotSent("the SMTP server does not offer STARTTLS (smtp_security=starttls)") from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise AlertNotSent(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {str(exc)[:120]}") from None


@dataclass
class WebhookChannel:
    url: str = field(repr=False)
    name: str = "webhook"

    def send(self, alert: AlertRecord) -> None:
        body = json.dumps({"text": f"*{alert.subject}*\n{alert.text}", "kind": alert.kind, "key": alert.key,
                           "subject": alert.subject, "details": alert.details}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "User-Agent": "cc-refund-collector alerts"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 - an https/http URL from the settings
                answer.read()
        except urllib.error.HTTPError as exc:
            raise AlertNotSent(f"webhook answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AlertNotSent(f"webhook not reached: {type(reason).__name__}: {str(reason)[:120]}") from None


def channels_for(settings: CollectorSettings) -> list[Channel]:
    """The channels the settings configure (none: alerts are recorded in the store only)."""
    channels: list[Channel] = []
    if settings.smtp_host and settings.alert_email_to:
        channels.append(EmailChannel(
            host=settings.smtp_host, port=settings.smtp_port, security=settings.smtp_security,
            sender=settings.alert_email_from or settings.smtp_user or "cc-refund-collector@localhost",
            recipients=list(settings.alert_email_to), user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        ))
    if settings.alert_webhook_url is not None:
        channels.append(WebhookChannel(settings.alert_webhook_url.get_secret_value()))
    return channels
