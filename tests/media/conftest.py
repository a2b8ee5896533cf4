"""Real ffmpeg clips made by the tests (the S3 endpoint is in tests/conftest.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A good 4-second clip with sound, and the bad inputs an upload form meets."""
    d = tmp_path_factory.mktemp("clips")
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=24", "-f", "lavfi", "-i", "sine=frequency=440",
           "-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
           str(d / "good.mp4"))
    ffmpeg("-i", str(d / "good.mp4"), "-c", "copy", "-movflags", "+faststart", str(d / "faststart.mp4"))
    data, fast = (d / "good.mp4").read_bytes(), (d / "faststart.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])  # the index at the end is gone
    (d / "truncated-faststart.mp4").write_bytes(fast[: len(fast) // 2])  # index kept, frames missing
    (d / "notes.mp4").write_text("These are meeting notes, not a video.\n")
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440", "-t", "3", "-c:a", "aac", str(d / "audio.m4a"))
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", str(d / "still.png"))
    (d / "good.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nA test card.\n\n"
                                "00:00:02.000 --> 00:00:04.000\n<v Narrator>And a tone.\n")
    return {p.name.replace(".", "-") if p.suffix == ".vtt" else p.stem: p for p in d.iterdir()}
