"""Where posted records go beyond the local profile: another portal's POST /api/v1/records.

The request is signed with HMAC-SHA256 over ``timestamp + "\\n" + idempotency key + "\\n" + body``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

SIGNATURE_HEADER = "X-Portal-Signature"
TIMESTAMP_HEADER = "X-Portal-Timestamp"


def sign(key: str, timestamp: str, idempotency_key: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + idempotency_key.encode() + b"\n" + body
    return "sha256=" + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


class ForwardError(Exception):
    """The receiver did not take the record. ``retryable`` is False when retrying cannot help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class RecordForwarder(Protocol):
    def forward(self, *, idempotency_key: str, payload: dict[str, Any]) -> str:
        """Deliver ``payload``; returns the receiver's reference. Raises ForwardError."""


@dataclass(frozen=True)
class HttpForwarder:
    url: str
    hmac_key: str
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("PORTAL_RECORDS_FORWARD_URL must be an http(s) URL")

    def forward(self, *, idempotency_key: str, payload: dict[str, Any]) -> str:
        body = json.dumps(payload, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(self.url, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.hmac_key, timestamp, idempotency_key, body),
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s) checked
                answer = json.load(response)
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode("utf-8", "replace")
            # 4xx (except 408/429) means this request as sent will never be accepted.
            retryable = exc.code >= 500 or exc.code in (408, 429)
            raise ForwardError(f"HTTP {exc.code} from receiver: {detail}", retryable=retryable) from exc
        except (OSError, ValueError) as exc:  # refused, reset, timed out, not JSON
            raise ForwardError(f"receiver unreachable: {exc}") from exc
        return str(answer.get("record_id", ""))
