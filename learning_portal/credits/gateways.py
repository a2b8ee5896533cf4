"""Where posted records go beyond the local profile: another portal's POST /api/v1/records.

The request is signed with HMAC-SHA256 over ``timestamp + "\\n" + idempotency key + "\\n" + body``.
A receiver whose clock differs by more than five minutes answers 401 ``stale_timestamp`` with its own time;
the forwarder then signs with the receiver's clock from then on, so a skewed clock does not stop forwarding.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

SIGNATURE_HEADER = "X-Portal-Signature"
TIMESTAMP_HEADER = "X-Portal-Timestamp"


def sign(key: str, timestamp: str, idempotency_key: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + idempotency_key.encode() + b"\n" + body
    return "sha256=" + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


class ForwardError(Exception):
    """The receiver did not take the record. ``retryable`` is False when retrying cannot help; ``transient``
    when the receiver was unavailable (unreachable, timed out, 5xx, 408, 429, clocks apart): an outage of any
    length is waited out, never counted against the posting's attempts."""

    def __init__(self, message: str, *, retryable: bool = True, transient: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable or transient
        self.transient = transient
        self.refused_alone = not transient  # outbox rows: only a refusal of the row counts as an attempt


class RecordForwarder(Protocol):
    def forward(self, *, idempotency_key: str, payload: dict[str, Any]) -> str:
        """Deliver ``payload``; returns the receiver's reference. Raises ForwardError."""


def read_target(path: str, query: str) -> str:
    """What a signed read signs in place of an Idempotency-Key: the method, path and query."""
    return f"GET {path}?{query}"


@dataclass
class HttpForwarder:
    url: str
    hmac_key: str
    timeout: float = 10.0
    clock: Callable[[], float] = time.time
    # Seconds the receiver's clock is ahead of ours, learnt from its stale-timestamp answer.
    offset: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("PORTAL_RECORDS_FORWARD_URL must be an http(s) URL")

    def forward(self, *, idempotency_key: str, payload: dict[str, Any]) -> str:
        body = json.dumps(payload, sort_keys=True).encode()
        try:
            return self._send(idempotency_key, body)
        except _Stale as stale:
            self.offset = stale.receiver_time - self.clock()
        try:
            return self._send(idempotency_key, body)  # signed again, by the receiver's clock
        except _Stale as stale:
            raise ForwardError("the receiver still finds the timestamp stale", transient=True) from stale

    def _send(self, idempotency_key: str, body: bytes) -> str:
        timestamp = str(int(self.clock() + self.offset))
        request = urllib.request.Request(self.url, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.hmac_key, timestamp, idempotency_key, body),
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s) checked
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:2000].decode("utf-8", "replace")
            _raise_if_stale(exc.code, detail)
            # 4xx (except 408/429) means this request as sent will never be accepted.
            unavailable = exc.code >= 500 or exc.code in (408, 429)
            raise ForwardError(f"HTTP {exc.code} from receiver: {detail[:500]}", retryable=unavailable,
                               transient=unavailable) from exc
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, cut short
            raise ForwardError(f"receiver unreachable: {exc}", transient=True) from exc
        try:
            answer = json.loads(raw)
            return str(answer.get("record_id", ""))
        except (ValueError, AttributeError) as exc:  # answered, but not as a portal does: a bounded retry
            raise ForwardError(f"the receiver's answer is not a record: {raw[:200]!r}") from exc


    def read_received(self, *, agency: str, after: int) -> tuple[list[dict[str, Any]], int | None]:
        """One page of what the receiver holds from us for ``agency`` ("jurisdiction:number"): a signed GET of
        ``<forward URL>/received``. Raises ForwardError."""
        try:
            return self._read(agency, after)
        except _Stale as stale:
            self.offset = stale.receiver_time - self.clock()
        try:
            return self._read(agency, after)
        except _Stale as stale:
            raise ForwardError("the receiver still finds the timestamp stale", transient=True) from stale

    def _read(self, agency: str, after: int) -> tuple[list[dict[str, Any]], int | None]:
        parts = urllib.parse.urlsplit(self.url)
        path = parts.path.rstrip("/") + "/received"
        query = urllib.parse.urlencode({"agency": agency, "after": after})
        timestamp = str(int(self.clock() + self.offset))
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))
        signature = sign(self.hmac_key, timestamp, read_target(path, query), b"")
        request = urllib.request.Request(url, headers={  # noqa: S310 - the forward URL is http(s), checked
            TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s) checked
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:2000].decode("utf-8", "replace")
            _raise_if_stale(exc.code, detail)
            raise ForwardError(f"HTTP {exc.code} from the receiver: {detail[:500]}") from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise ForwardError(f"the receiver could not be read: {exc}", transient=True) from exc
        return list(answer["records"]), answer.get("next_after")


class _Stale(Exception):
    def __init__(self, receiver_time: int) -> None:
        super().__init__(receiver_time)
        self.receiver_time = receiver_time


def _raise_if_stale(status: int, detail: str) -> None:
    if status != 401:
        return
    try:
        error = json.loads(detail)["error"]
        if error["code"] == "stale_timestamp":
            raise _Stale(int(error["details"]["receiver_time"]))
    except (ValueError, KeyError, TypeError):
        return
