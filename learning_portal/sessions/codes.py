"""Rotating check-in codes: six digits derived from a session's secret and the current 30-second step.

A code is shown for one step. It is still accepted during the next step, so someone typing it as it
changes on the screen is not turned away; after that it has expired. The derivation is that of TOTP
(RFC 6238) with the session's own secret, so a code says nothing about any other session.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime

STEP_S = 30
DIGITS = 6
GRACE_STEPS = 1  # steps after its own during which a code is still accepted
RECENT_STEPS = 10  # how far back a code is recognised as expired rather than wrong


def new_secret() -> str:
    return secrets.token_hex(20)


def step_at(moment: datetime) -> int:
    return math.floor(moment.timestamp() / STEP_S)


def code_for(secret: str, step: int) -> str:
    digest = hmac.new(bytes.fromhex(secret), step.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


@dataclass(frozen=True)
class ShownCode:
    code: str
    expires_in_s: int  # until the screen shows the next code


def shown_code(secret: str, now: datetime) -> ShownCode:
    step = step_at(now)
    return ShownCode(code_for(secret, step), max(1, math.ceil((step + 1) * STEP_S - now.timestamp())))


def normalise(entered: str) -> str:
    """What people type: spaces and dashes dropped ("123 456", "123-456")."""
    return "".join(ch for ch in entered if ch in "0123456789")


def check(secret: str, entered: str, now: datetime) -> str:
    """``"valid"``, ``"expired"`` (a recent code of this session) or ``"wrong"``."""
    code = normalise(entered)
    if len(code) != DIGITS:
        return "wrong"
    step = step_at(now)
    if any(hmac.compare_digest(code, code_for(secret, step - k)) for k in range(GRACE_STEPS + 1)):
        return "valid"
    if any(hmac.compare_digest(code, code_for(secret, step - k)) for k in range(GRACE_STEPS + 1, RECENT_STEPS)):
        return "expired"
    return "wrong"
