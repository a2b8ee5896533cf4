"""Real ffmpeg clips made by the tests, and a real S3 endpoint over HTTP (moto_server on loopback)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from learning_portal.media.storage import LocalStorage, S3Storage


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    request.getfixturevalue("aws_credentials")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    store = S3Storage(bucket, "media", endpoint_url=endpoint)
    store.client.create_bucket(Bucket=bucket)
    return store
