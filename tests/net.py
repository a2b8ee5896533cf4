"""Loopback helpers for tests and benchmarks that start servers of their own."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nobody listens on at the moment (the server started next binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
