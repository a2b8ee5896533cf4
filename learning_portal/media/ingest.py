"""Probe and transcode video with ffmpeg: HLS in 360p and 720p, an MP4 fallback and a poster image.

No database here: ``services`` stores the results. Progress is reported as a fraction from 0 to 1.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

FFMPEG, FFPROBE = "ffmpeg", "ffprobe"
RENDITIONS = (  # name, height, video bitrate, max rate, buffer
    ("360p", 360, "800k", "856k", "1200k"),
    ("720p", 720, "2800k", "2996k", "4200k"),
)
SEGMENT_SECONDS = 4


class NotAVideoError(ValueError):
    """The file is not a video ffmpeg can play from start to end; the message says why."""


@dataclass(frozen=True)
class ProbeResult:
    duration_s: float
    width: int
    height: int
    has_audio: bool
    video_codec: str


@dataclass(frozen=True)
class TranscodeResult:
    master_playlist: str  # paths relative to the output folder
    mp4: str
    poster: str
    renditions: tuple[dict, ...]


def probe(path: Path) -> ProbeResult:
    """Check that ``path`` is a playable video, reading its streams and decoding its last second."""
    try:
        info = ffmpeg.probe(str(path), cmd=FFPROBE)
    except ffmpeg.Error as exc:
        raise NotAVideoError(f"This is not a video file that can be played ({_last_line(exc.stderr)}).") from exc
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and s.get("disposition", {})
                  .get("attached_pic") != 1), None)
    if video is None:
        raise NotAVideoError("The file has no video picture (audio only, or an image).")
    try:
        duration = float(info.get("format", {}).get("duration") or video.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if duration <= 0.5:
        raise NotAVideoError("The video has no duration; it may be a still image or cut short.")
    _check_decodes(path, duration)
    return ProbeResult(duration_s=round(duration, 3), width=int(video.get("width", 0)),
                       height=int(video.get("height", 0)),
                       has_audio=any(s.get("codec_type") == "audio" for s in streams),
                       video_codec=str(video.get("codec_name", "")))


def media_duration(path: Path) -> float:
    """The duration of any audio or video file, in seconds."""
    return float(ffmpeg.probe(str(path), cmd=FFPROBE)["format"]["duration"])


def _check_decodes(path: Path, duration: float) -> None:
    """A truncated upload often probes fine but breaks near the end: decode the last seconds."""
    start = max(duration - 2.0, 0.0)
    result = subprocess.run([FFMPEG, "-v", "error", "-xerror", "-ss", f"{start:.3f}", "-i", str(path), "-map",
                             "0:v:0", "-f", "null", "-"], capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or result.stderr.strip():
        raise NotAVideoError("The video is damaged or incomplete near its end (was the upload cut short?): "
                             f"{_last_line(result.stderr)}")


def transcode(source: Path, out_dir: Path, info: ProbeResult,
              progress: Callable[[float], None] = lambda _: None) -> TranscodeResult:
    """Write hls/master.m3u8 (+ one playlist and segments per rendition), video.mp4 and poster.jpg."""
    hls = out_dir / "hls"
    for index in range(len(RENDITIONS)):
        (hls / f"v{index}").mkdir(parents=True, exist_ok=True)
    inp = ffmpeg.input(str(source))
    split = inp.video.filter_multi_output("split", len(RENDITIONS))
    streams, options = [], {}
    for index, (_, height, rate, maxrate, bufsize) in enumerate(RENDITIONS):
        streams.append(split[index].filter("scale", -2, height))
        if info.has_audio:
            streams.append(inp.audio)
        options.update({f"b:v:{index}": rate, f"maxrate:v:{index}": maxrate, f"bufsize:v:{index}": bufsize})
    stream_map = " ".join(f"v:{i},a:{i}" if info.has_audio else f"v:{i}" for i in range(len(RENDITIONS)))
    audio = {"acodec": "aac", "ac": 2, "ar": 48000, "b:a": "128k"} if info.has_audio else {}
    hls_job = ffmpeg.output(
        *streams, str(hls / "v%v" / "index.m3u8"), f="hls", hls_time=SEGMENT_SECONDS, hls_playlist_type="vod",
        hls_flags="independent_segments", hls_segment_filename=str(hls / "v%v" / "seg_%03d.ts"),
        master_pl_name="master.m3u8", var_stream_map=stream_map, vcodec="libx264", preset="veryfast",
        pix_fmt="yuv420p", g=48, keyint_min=48, sc_threshold=0, **audio, **options)
    _run(hls_job, info.duration_s, lambda f: progress(0.75 * f))

    mp4_audio = {"acodec": "aac", "b:a": "128k"} if info.has_audio else {"an": None}
    mp4_job = ffmpeg.output(ffmpeg.input(str(source)).video.filter("scale", -2, 720),
                            *([ffmpeg.input(str(source)).audio] if info.has_audio else []),
                            str(out_dir / "video.mp4"), vcodec="libx264", preset="veryfast", pix_fmt="yuv420p",
                            movflags="+faststart", **{k: v for k, v in mp4_audio.items() if v is not None})
    _run(mp4_job, info.duration_s, lambda f: progress(0.75 + 0.2 * f))

    at = min(info.duration_s / 3, 5.0)
    poster = ffmpeg.input(str(source), ss=at).filter("scale", 640, -2).output(
        str(out_dir / "poster.jpg"), vframes=1, **{"q:v": 3})
    _run(poster, None, lambda _: None)
    progress(1.0)
    renditions = tuple({"name": name, "height": height, "bandwidth": int(rate.rstrip("k")) * 1000,
                        "playlist": f"hls/v{i}/index.m3u8"}
                       for i, (name, height, rate, _, _) in enumerate(RENDITIONS))
    return TranscodeResult("hls/master.m3u8", "video.mp4", "poster.jpg", renditions)


def _run(job, duration: float | None, progress: Callable[[float], None]) -> None:
    """Run an ffmpeg job, reporting progress from its -progress output; raise with its error on failure."""
    args = job.overwrite_output().global_args("-nostdin", "-v", "error", "-progress", "pipe:1",
                                              "-nostats").compile(cmd=FFMPEG)
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        for line in proc.stdout:
            if duration and (match := re.match(r"out_time_us=(\d+)", line)):
                progress(min(int(match.group(1)) / 1e6 / duration, 1.0))
        stderr = proc.stderr.read()  # -v error keeps it short, so it cannot fill the pipe and stall ffmpeg
        returncode = proc.wait()
    if returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {_last_line(stderr)}")


def _last_line(stderr: bytes | str | None) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else (stderr or "")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no details"
