"""Reading JSON sent from outside. Anything the database cannot store or the portal cannot walk safely is
refused with a clear message, never a server error: nesting deeper than any honest request needs, NUL
characters (PostgreSQL text cannot hold them) and unpaired UTF-16 surrogates (``"\\ud800"`` decodes to a
string with no UTF-8 form)."""

from __future__ import annotations

import json
import re
from typing import Any

from learning_portal.errors import DomainError

MAX_DEPTH = 32  # our deepest request body (an xAPI statement) is under 10 levels
_SURROGATE = re.compile("[\ud800-\udfff]")


class MalformedJsonError(DomainError):
    status = 400
    code = "bad_request"


def loads(body: bytes | str) -> Any:
    try:
        data = json.loads(body)
    except RecursionError as exc:
        raise MalformedJsonError(_TOO_DEEP) from exc
    except ValueError as exc:  # includes UnicodeDecodeError
        raise MalformedJsonError("The request body is not valid JSON.") from exc
    problem = _problem(data)
    if problem:
        raise MalformedJsonError(problem)
    return data


_TOO_DEEP = f"The request body is nested more than {MAX_DEPTH} levels deep."


def _problem(data: Any) -> str | None:
    """The first thing wrong with decoded JSON, walked without recursion."""
    pending: list[tuple[Any, int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return "Text in the request may not contain NUL characters."
            if _SURROGATE.search(value):
                return "Text in the request must be valid UTF-8; it has an unpaired \\u surrogate escape."
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                return _TOO_DEEP
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
    return None
