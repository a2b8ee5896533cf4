"""SCORM 1.2 test packages, built here (never downloaded): a manifest and a small SCO that uses the runtime API
as real content does. Its page has buttons a browser test presses: answer well or badly, save and leave."""

from __future__ import annotations

import io
import zipfile

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{identifier}" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>{title}</title>
      {items}
    </organization>
  </organizations>
  <resources>
    {resources}
  </resources>
</manifest>
"""
ITEM = """<item identifier="ITEM-{n}" identifierref="RES-{n}"><title>{title}</title>{mastery}</item>"""
RESOURCE = """<resource identifier="RES-{n}" type="webcontent" adlcp:scormtype="sco" href="{href}">
      <file href="{href}"/></resource>"""

# The SCO: finds the API in a parent window, resumes from suspend_data, reports a score and a status.
SCO = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Use of force quiz</title>
<link rel="stylesheet" href="assets/style.css"></head>
<body>
<h1>Use of force: a short quiz</h1>
<p id="entry">Loading…</p>
<p>When may an officer use deadly force?</p>
<button type="button" id="right">Only against an imminent threat of death or serious injury</button>
<button type="button" id="wrong">Whenever a suspect flees</button>
<button type="button" id="leave">Save and leave</button>
<p id="result" role="status"></p>
<script>
  function findAPI(win) {
    for (var i = 0; win && i < 7; i++) { if (win.API) return win.API; if (win.parent === win) break; win = win.parent; }
    return null;
  }
  var api = findAPI(window);
  api.LMSInitialize("");
  var entry = api.LMSGetValue("cmi.core.entry");
  var seen = api.LMSGetValue("cmi.suspend_data");
  document.getElementById("entry").textContent = "Entry: " + entry + "; student: " +
      api.LMSGetValue("cmi.core.student_name") + "; saved: " + (seen || "nothing") +
      "; location: " + (api.LMSGetValue("cmi.core.lesson_location") || "start");
  if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  }
  function answer(score) {
    api.LMSSetValue("cmi.core.score.raw", String(score));
    api.LMSSetValue("cmi.core.score.min", "0");
    api.LMSSetValue("cmi.core.score.max", "100");
    api.LMSSetValue("cmi.core.lesson_status", "completed");
    api.LMSSetValue("cmi.core.session_time", "0000:02:30.50");
    api.LMSSetValue("cmi.core.exit", "");
    api.LMSCommit("");
    api.LMSFinish("");
    document.getElementById("result").textContent = "Answer sent (score " + score + ").";
  }
  document.getElementById("right").onclick = function () { answer(90); };
  document.getElementById("wrong").onclick = function () { answer(40); };
  document.getElementById("leave").onclick = function () {
    api.LMSSetValue("cmi.suspend_data", "page=2;answered=none");
    api.LMSSetValue("cmi.core.lesson_location", "question-1");
    api.LMSSetValue("cmi.core.exit", "suspend");
    api.LMSSetValue("cmi.core.session_time", "0000:01:00");
    api.LMSFinish("");
    document.getElementById("result").textContent = "Saved. You can come back later.";
  };
</script>
</body></html>
"""


def manifest_xml(*, title: str = "Use of Force Quiz", mastery: int | None = 80, version: str = "1.2",
                 scos: int = 1, href: str = "index.html") -> str:
    mastery_xml = f"<adlcp:masteryscore>{mastery}</adlcp:masteryscore>" if mastery is not None else ""
    items = "\n".join(ITEM.format(n=n, title=f"{title} part {n}" if scos > 1 else title, mastery=mastery_xml)
                      for n in range(1, scos + 1))
    resources = "\n".join(RESOURCE.format(n=n, href=href if n == 1 else f"sco{n}.html") for n in range(1, scos + 1))
    return MANIFEST.format(identifier="com.example.force-quiz", version=version, title=title, items=items,
                           resources=resources)


def package_zip(files: dict[str, str | bytes] | None = None, **manifest: object) -> bytes:
    """A zip of a one-SCO package; ``files`` adds or replaces entries (None as a value leaves one out)."""
    entries: dict[str, str | bytes | None] = {
        "imsmanifest.xml": manifest_xml(**manifest),  # type: ignore[arg-type]
        "index.html": SCO,
        "assets/style.css": "body { font-family: sans-serif; }",
        "assets/Logo (blue).svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "sco2.html": SCO,
        **(files or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            if content is not None:
                archive.writestr(name, content)
    return buffer.getvalue()


COURSE_TOML = """slug = "{slug}"
presenter = "9999"
number = "{number}"
title = "{title}"
summary = "A short refresher on the use of force, as an interactive SCORM package with a quiz."
description = "The standards for the use of force, and a question to check them."
delivery = "self_paced"
audience = ["officer"]
topics = ["use of force"]
cpt_hours = 1
credit = "automatic"
satisfies = ["CA-CPT-24"]
certification_level = "II"
sample = true

[hours]
general = 1

[[items]]
kind = "scorm"
title = "Use of force quiz"
package = "{package}"
"""


def course_zip(*, slug: str = "use-of-force-refresher", package: str = "force-quiz", number: str = "00190",
               title: str = "Use of Force Refresher") -> bytes:
    """A course package (the portal's own format) whose one item runs the SCORM package ``package``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{slug}/course.toml", COURSE_TOML.format(slug=slug, package=package, number=number,
                                                                   title=title))
    return buffer.getvalue()
