"""CSV in and out: reading an uploaded file for an all-or-nothing import (every problem reported with its
line), and writing exports in chunks that spreadsheets open safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from learning_portal.errors import ValidationError


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class CsvImportError(ValidationError):
    def __init__(self, errors: list[RowError]) -> None:
        n = len(errors)
        super().__init__(
            f"The file has {n} problem{'s' if n != 1 else ''}; nothing was imported.",
            details=[{"line": e.line, "column": e.column, "message": e.message} for e in errors],
        )
        self.errors = errors


def read_rows(data: bytes, *, allowed: tuple[str, ...], required: tuple[str, ...],
              what: str = "rows") -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """([(line, {column: stripped value})], row errors) for the records after the header.

    A bad header or an empty file raises CsvImportError at once. Column names are case-insensitive; a row
    with the wrong number of values is returned as an error, not guessed at, so the caller can report it
    together with the problems it finds in the other rows.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError([RowError(1, "", f"The file is not UTF-8 text (byte {exc.start}). "
                                              "Save it as 'CSV UTF-8' and try again.")]) from exc
    try:
        rows = list(_records(text))
    except csv.Error as exc:
        raise CsvImportError([RowError(0, "", f"The file is not readable as CSV: {exc}.")]) from exc
    if not rows:
        raise CsvImportError([RowError(1, "", "The file is empty; the first line must name the columns.")])
    (_, header), body = rows[0], rows[1:]
    if any(_NUL in h for h in header):
        raise CsvImportError([RowError(1, "", _NUL_MESSAGE)])
    columns = [h.strip().lower() for h in header]
    errors: list[RowError] = []
    unknown = [c for c in columns if c not in allowed]
    missing = [c for c in required if c not in columns]
    if unknown:
        errors.append(RowError(1, "", f"Unknown column(s): {', '.join(unknown)}. Allowed: {', '.join(allowed)}."))
    if missing:
        errors.append(RowError(1, "", f"Missing required column(s): {', '.join(missing)}."))
    if len(set(columns)) != len(columns):
        errors.append(RowError(1, "", "A column name appears twice."))
    if not errors and not body:
        errors.append(RowError(2, "", f"The file has a header but no {what}."))
    if errors:
        raise CsvImportError(errors)
    out: list[tuple[int, dict[str, str]]] = []
    for line, cells in body:
        if any(_NUL in cell for cell in cells):
            column = next((c for c, cell in zip(columns, cells, strict=False) if _NUL in cell), "")
            errors.append(RowError(line, column, _NUL_MESSAGE))
            continue
        if len(cells) != len(columns):
            errors.append(RowError(line, "", f"Expected {len(columns)} values, found {len(cells)}."))
            continue
        out.append((line, dict(zip(columns, (c.strip() for c in cells), strict=True))))
    return out, errors


_NUL = "\x00"
_NUL_MESSAGE = "Contains a NUL character (byte 0), which no text may hold; is this really a CSV file?"


def _records(text: str) -> Iterable[tuple[int, list[str]]]:
    """(starting line number, cells) for each non-blank record; quoted fields may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            yield start, cells
        start = reader.line_num + 1


def write_rows(rows: Iterable[Iterable[str]], *, chunk: int = 500) -> Iterator[str]:
    """CSV text, ``chunk`` rows at a time (for streaming). Formula-like cells are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for i, row in enumerate(rows, 1):
        writer.writerow([safe_cell(cell) for cell in row])
        if i % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def safe_cell(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
