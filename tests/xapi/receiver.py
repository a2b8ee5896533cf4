"""Talking to the test LRS process (``tests.xapi.lrs``) from the tests."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.parse
import urllib.request
from typing import Any

from learning_portal.config import ROOT
from learning_portal.xapi.lrs import LrsClient

BASE_URL = "https://portal.test"
HOMEPAGE = "https://post.test"
CREDENTIALS = ("portal", "lrs-secret")


class LrsProcess:
    """Drives the LRS process: its address, its faults, and what it has stored."""

    def __init__(self, port: int) -> None:
        self.root = f"http://127.0.0.1:{port}"
        self.endpoint = f"{self.root}/xapi/"

    def control(self, **settings: Any) -> dict[str, Any]:
        return _call(f"{self.root}/control", data=json.dumps(settings).encode(),
                     headers={"Content-Type": "application/json"})

    def statements(self, post_id: str | None = None) -> list[dict[str, Any]]:
        """What the LRS stored (for one POST ID account), in the order it stored them."""
        query = ""
        if post_id is not None:
            agent = {"account": {"homePage": HOMEPAGE, "name": post_id}}
            query = "?" + urllib.parse.urlencode({"agent": json.dumps(agent)})
        return _call(f"{self.endpoint}statements{query}", headers={
            "X-Experience-API-Version": "1.0.3", "Authorization": _basic(*CREDENTIALS)})["statements"]

    @classmethod
    def start(cls) -> tuple[LrsProcess, subprocess.Popen]:
        proc = subprocess.Popen([sys.executable, "-m", "tests.xapi.lrs", "--credentials", ":".join(CREDENTIALS)],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True)
        return cls(int(proc.stdout.readline())), proc

    def client(self, password: str = CREDENTIALS[1]) -> LrsClient:
        return LrsClient(self.endpoint, CREDENTIALS[0], password, timeout=5)


def _call(url: str, *, headers: dict[str, str], data: bytes | None = None) -> Any:
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - the loopback LRS
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.load(response)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
