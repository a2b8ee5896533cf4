"""How a message leaves: over SMTP (``PORTAL_SMTP_URL``), or as ``.eml`` files in a folder where no server is
configured (``make run``: ``instance/mail/``).

``smtp://user:password@host:587`` speaks STARTTLS and refuses to go on without it, except to a server on
loopback; ``?starttls=false`` turns that off explicitly. ``smtps://host:465`` is TLS from the start.
Failures are sorted the way the outbox needs: the server refusing this message (a 5xx to its recipient or
data) is dead at once; a 4xx is tried again and counts; a server that is down, or refuses our sign-in,
keeps every message waiting without counting.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from learning_portal.mail.models import OutgoingMail

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class MailError(Exception):
    def __init__(self, message: str, *, retryable: bool = True, refused_alone: bool = True,
                 bad_address: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable  # False: dead at once
        self.refused_alone = refused_alone  # False: the server, not this message; does not count
        self.bad_address = bad_address  # the recipient was refused: once dead, the address is marked


def build(row: OutgoingMail, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["Date"] = formatdate(row.created_at.timestamp(), usegmt=True)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Transport(Protocol):
    description: str

    def open(self) -> AbstractContextManager[Connection]: ...


class FileTransport:
    """Each message as ``<folder>/<hash of its Message-ID>.eml``: sending again replaces the same file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"files in {folder}"

    @contextmanager
    def open(self) -> Iterator[FileTransport]:
        self.folder.mkdir(parents=True, exist_ok=True)
        yield self

    def send(self, message: EmailMessage) -> None:
        name = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:24] + ".eml"
        partial = self.folder / f".{name}.part"
        partial.write_bytes(message.as_bytes())
        os.replace(partial, self.folder / name)  # whole or not at all


class SmtpTransport:
    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("PORTAL_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
        self.implicit_tls = parts.scheme == "smtps"
        self.host, self.port = parts.hostname, parts.port or (465 if self.implicit_tls else 587)
        self.username, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        starttls = parse_qs(parts.query).get("starttls", ["true"])[0].lower() not in ("false", "0", "no")
        self.require_starttls = not self.implicit_tls and starttls and self.host not in LOOPBACK
        self.try_starttls = not self.implicit_tls and starttls
        self.timeout = timeout
        self.description = f"{parts.scheme}://{self.host}:{self.port}"

    @contextmanager
    def open(self) -> Iterator[_SmtpConnection]:
        context = ssl.create_default_context()
        try:
            if self.implicit_tls:
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot reach {self.description}: {exc}", refused_alone=False) from exc
        try:
            client.ehlo()
            if self.try_starttls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif self.require_starttls:
                raise MailError(f"{self.description} does not offer STARTTLS; refusing to send in the clear",
                                refused_alone=False)
            if self.username:
                client.login(self.username, self.password)
            yield _SmtpConnection(client, self.description)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"{self.description} refused the sign-in: {exc.smtp_code}", refused_alone=False) from exc
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise MailError(f"{self.description} went away: {exc}", refused_alone=False) from exc
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


class _SmtpConnection:
    def __init__(self, client: smtplib.SMTP, description: str) -> None:
        self.client, self.description = client, description

    def send(self, message: EmailMessage) -> None:
        try:
            self.client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise MailError(f"recipient refused ({', '.join(map(str, codes))})",
                            retryable=any(400 <= c < 500 for c in codes), bad_address=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"{self.description} answered {exc.smtp_code}: {exc.smtp_error!r}",
                            retryable=exc.smtp_code < 500) from exc


def transport_for(config: dict) -> Transport:
    url = config.get("SMTP_URL")
    if url:
        return SmtpTransport(str(url), timeout=float(config.get("SMTP_TIMEOUT", 10)))
    return FileTransport(Path(config["INSTANCE_PATH"]) / "mail")
