"""Line numbers for keys in a TOML file, so that validation errors can say ``file:line``.

``tomllib`` reports positions only for syntax errors. This scanner maps each table header and each
``key =`` line to a path such as ``("questions", 2, "choices", 0, "text")`` (array-of-tables entries
counted from 0), which covers the shapes our manifests use.
"""

from __future__ import annotations

import re

_ARRAY_HEADER = re.compile(r"^\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^([A-Za-z0-9_-]+)\s*=\s*(.*)$")

Path = tuple[str | int, ...]


class LineIndex:
    def __init__(self, text: str) -> None:
        self._lines: dict[Path, int] = {}
        counters: dict[Path, int] = {}
        current: Path = ()
        open_string: str | None = None
        depth = 0  # unclosed [ of a multi-line array value
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if open_string:
                if open_string in line:
                    open_string = None
                continue
            if depth:
                depth += line.count("[") - line.count("]")
                continue
            if not line or line.startswith("#"):
                continue
            if match := _ARRAY_HEADER.match(line):
                path: list[str | int] = []
                parts = match.group(1).split(".")
                for i, part in enumerate(parts):
                    key = (*path, part)
                    if i < len(parts) - 1:
                        path += [part, max(counters.get(key, 1) - 1, 0)]
                    else:
                        index = counters.get(key, 0)
                        counters[key] = index + 1
                        path += [part, index]
                current = tuple(path)
                self._lines[current] = number
                self._lines.setdefault(current[:-1], number)  # the array itself: its first entry
            elif match := _TABLE_HEADER.match(line):
                current = tuple(match.group(1).split("."))
                self._lines[current] = number
            elif match := _KEY.match(line):
                self._lines[(*current, match.group(1))] = number
                value = match.group(2)
                for quote in ('"""', "'''"):
                    if value.count(quote) == 1:
                        open_string = quote
                if value.startswith("[") and not open_string:
                    depth = max(value.count("[") - value.count("]"), 0)

    def line(self, *path: str | int) -> int | None:
        """The line of ``path``, or of its nearest enclosing table/key that has one."""
        probe: Path = tuple(path)
        while probe:
            if probe in self._lines:
                return self._lines[probe]
            probe = probe[:-1]
        return None
