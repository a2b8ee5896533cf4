"""A real SMTP server process on loopback for the mail tests (aiosmtpd), keeping what it receives in a Maildir.

Run as ``python -m tests.mail.smtp_server PORT MAILDIR``. Recipients at ``refused.invalid`` are refused for
good (550) and at ``later.invalid`` for now (451), as a real server would, so both paths are tested.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from tests.net import free_port


class Handler:
    def __init__(self, maildir: str) -> None:
        self.box = mailbox.Maildir(maildir, create=True)  # a new folder: with tmp, new and cur

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        if address.endswith("@refused.invalid"):
            return "550 5.1.1 No such user here"
        if address.endswith("@later.invalid"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.box.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@dataclass
class SmtpProcess:
    port: int
    maildir: Path
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, maildir: Path) -> SmtpProcess:
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "tests.mail.smtp_server", str(port), str(maildir)],
                                cwd=Path(__file__).resolve().parents[2], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return cls(port, maildir, proc)
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError("the SMTP server did not start") from None
                time.sleep(0.05)

    def messages(self) -> list[EmailMessage]:
        """What arrived, oldest first."""
        found = [(path.stat().st_mtime_ns, path) for sub in ("new", "cur") for path in (self.maildir / sub).iterdir()]
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for _, path in sorted(found)]

    def clear(self) -> None:
        for sub in ("new", "cur", "tmp"):
            for path in (self.maildir / sub).glob("*"):
                path.unlink()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def main() -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    port, maildir = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Handler(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
