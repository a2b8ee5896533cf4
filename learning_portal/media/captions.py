"""WebVTT captions: validated before they are stored; the cue text doubles as the transcript."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TIME = r"(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")
MAX_BYTES = 512 * 1024


class CaptionError(ValueError):
    pass


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def parse_webvtt(data: bytes, *, duration_s: float | None = None) -> list[Cue]:
    """The cues of a WebVTT file, or CaptionError saying what is wrong and on which line."""
    if len(data) > MAX_BYTES:
        raise CaptionError(f"The caption file is larger than {MAX_BYTES // 1024} KB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaptionError("The caption file is not UTF-8 text.") from exc
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise CaptionError("This is not a WebVTT file: the first line must be WEBVTT.")
    cues: list[Cue] = []
    index = 1
    while index < len(lines):
        line = lines[index].strip()
        if "-->" in line:
            match = _TIMING.match(line)
            if not match:
                raise CaptionError(f"Line {index + 1}: the cue timing is not in the form 00:00:01.000 --> "
                                   "00:00:04.000.")
            start, end = _seconds(match.groups()[:4]), _seconds(match.groups()[4:])
            if end <= start:
                raise CaptionError(f"Line {index + 1}: the cue ends before it starts.")
            if duration_s is not None and start > duration_s + 1:
                raise CaptionError(f"Line {index + 1}: the cue starts after the end of the video "
                                   f"({duration_s:.0f} s).")
            body = []
            index += 1
            while index < len(lines) and lines[index].strip():
                body.append(lines[index].strip())
                index += 1
            cues.append(Cue(start, end, " ".join(body)))
        index += 1
    if not cues:
        raise CaptionError("The caption file has no cues.")
    return cues


def transcript(cues: list[Cue]) -> str:
    """The spoken text, one cue per line, without WebVTT markup."""
    return "\n".join(re.sub(r"<[^>]+>", "", cue.text) for cue in cues if cue.text)


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = parts
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000
