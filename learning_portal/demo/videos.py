"""Demo training videos made at set-up from the project's own text, never downloaded.

Each "Did You Know?"-style clip is a run of title cards (ffmpeg drawtext), narrated by espeak-ng when it is
installed (silent otherwise), with WebVTT captions from the same text. They are ingested like any upload.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

from learning_portal.media import ingest

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BACKGROUND = "0x14325c"


@dataclass(frozen=True)
class DemoClip:
    slug: str
    title: str
    lines: tuple[str, ...]


CLIPS = (
    DemoClip("dyk-gvro", "Did you know? Gun violence restraining orders", (
        "In California, a gun violence restraining order can remove firearms from someone who poses a danger.",
        "Law enforcement officers may ask a judicial officer for an emergency order at any hour.",
        "Serve the order, take custody of any firearms, and document everything in your report.",
    )),
    DemoClip("dyk-night-driving", "Did you know? Night driving", (
        "At night your headlights light only a short distance ahead.",
        "Slow down so that you can stop within the distance you can see.",
        "Fatigue and glare make this worse: rest before a night shift and keep the windshield clean.",
    )),
    DemoClip("ripa-briefing", "Bias and racial profiling: a briefing", (
        "Racial and identity profiling is never a lawful basis for a stop, a search or an arrest.",
        "Base every decision on specific facts about what a person does, not on who the person is.",
        "After this video, your facilitator leads the discussion: bring your questions.",
    )),
    DemoClip("dyk-dementia", "Did you know? People with dementia who wander", (
        "People living with dementia may wander and become lost, even close to home.",
        "Speak calmly, introduce yourself, and use short, simple sentences.",
        "Check for a medical bracelet or a registry, and search nearby first: most are found close by.",
    )),
)


def make_clip(clip: DemoClip, work: Path) -> tuple[Path, bytes]:
    """Render ``clip`` into ``work``: returns the MP4 and its WebVTT captions."""
    work.mkdir(parents=True, exist_ok=True)
    texts = (clip.title, *clip.lines)
    segments, cues, start = [], [], 0.0
    for index, text in enumerate(texts):
        audio = work / f"{index}.wav"
        duration = _narrate(text, audio)
        card = work / f"{index}.txt"
        card.write_text("\n".join(textwrap.wrap(text, 34)))
        segment = work / f"{index}.mp4"
        drawtext = (f"drawtext=fontfile={FONT}:textfile={card}:fontcolor=white:fontsize={56 if index == 0 else 46}:"
                    "line_spacing=14:x=(w-text_w)/2:y=(h-text_h)/2")
        _ffmpeg("-f", "lavfi", "-i", f"color=c={BACKGROUND}:s=1280x720:r=24:d={duration:.3f}", "-i", str(audio),
                "-vf", drawtext, "-af", "apad", "-t", f"{duration:.3f}", "-c:v", "libx264", "-preset", "veryfast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000", "-ac", "2", str(segment))
        segments.append(segment)
        cues.append((start, start + duration, text))
        start += duration
    listing = work / "segments.txt"
    listing.write_text("".join(f"file '{s.name}'\n" for s in segments))
    clip_path = work / f"{clip.slug}.mp4"
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-movflags", "+faststart",
            str(clip_path))
    return clip_path, webvtt(cues)


def webvtt(cues: list[tuple[float, float, str]]) -> bytes:
    blocks = ["WEBVTT", ""]
    for start, end, text in cues:
        blocks += [f"{_stamp(start)} --> {_stamp(end)}", text, ""]
    return "\n".join(blocks).encode()


def _narrate(text: str, target: Path) -> float:
    """Speak ``text`` into ``target`` (WAV) and return the card's length in seconds."""
    if shutil.which("espeak-ng"):
        subprocess.run(["espeak-ng", "-s", "155", "-w", str(target), text], check=True, timeout=60,
                       capture_output=True)
        spoken = ingest.media_duration(target)
    else:  # no speech synthesiser: a silent card long enough to read
        spoken = max(2.0, len(text.split()) / 2.6)
        _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", f"{spoken:.3f}", str(target))
    return round(max(spoken + 0.8, 3.0), 3)


def _ffmpeg(*args: str) -> None:
    subprocess.run([ingest.FFMPEG, "-v", "error", "-y", "-nostdin", *args], check=True, timeout=300)


def _stamp(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"00:{int(minutes):02d}:{rest:06.3f}"
