"""The LRS's statements resource (xAPI 1.0.3 over HTTP, Basic authentication).

A batch goes in one POST. If the LRS refuses the batch itself (400, 409, 413...), each statement is
sent alone with PUT, so one bad statement cannot hold up the rest, and a statement the LRS already has
(409 Conflict: it was sent before a crash) counts as sent: its id is ours, and the LRS keeps it once.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from learning_portal.xapi.statements import VERSION


class LrsError(Exception):
    """The LRS did not take a statement. ``retryable`` is False when sending it again cannot help;
    ``refused_alone`` when the LRS answered about this statement by itself, not about the whole batch (an
    outage or refused credentials, which say nothing about the statement)."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None,
                 refused_alone: bool = False) -> None:
        super().__init__(message)
        self.retryable, self.status, self.refused_alone = retryable, status, refused_alone


@dataclass(frozen=True)
class LrsClient:
    endpoint: str  # e.g. https://lrs.example.org/xapi/ (the statements resource is under it)
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.endpoint.startswith(("http://", "https://")):
            raise ValueError("PORTAL_XAPI_LRS_URL must be an http(s) URL")

    def send(self, batch: list[dict[str, Any]]) -> list[LrsError | None]:
        """Send ``batch``; one outcome per statement, in order (None when the LRS has it)."""
        if not batch:
            return []
        try:
            self._request("POST", "", batch)
            return [None] * len(batch)
        except LrsError as exc:
            if exc.retryable:
                return [exc] * len(batch)
        return [self._put(s) for s in batch]

    def _put(self, statement: dict[str, Any]) -> LrsError | None:
        try:
            self._request("PUT", "?" + urllib.parse.urlencode({"statementId": statement["id"]}), statement)
        except LrsError as exc:
            if exc.status == 409:
                return None  # the LRS already has this id, which only we issue
            exc.refused_alone = True
            return exc
        return None

    def _request(self, method: str, query: str, body: Any) -> None:
        url = self.endpoint.rstrip("/") + "/statements" + query
        headers = {"Content-Type": "application/json", "X-Experience-API-Version": VERSION}
        if self.username or self.password:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,  # noqa: S310
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310 - http(s) checked
                return
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode("utf-8", "replace")
            exc.close()
            # Refused credentials and a wrong address (no statements resource there) are the operator's to
            # fix: keep the statements until then.
            retryable = exc.code >= 500 or exc.code in (401, 403, 404, 405, 408, 429)
            raise LrsError(f"HTTP {exc.code} from the LRS: {detail}", retryable=retryable, status=exc.code) from exc
        except (OSError, ValueError) as exc:  # refused, reset, timed out
            raise LrsError(f"LRS unreachable: {exc}") from exc
