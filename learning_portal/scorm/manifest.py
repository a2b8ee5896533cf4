"""SCORM 1.2 packages: the zip checked and unpacked safely, ``imsmanifest.xml`` read and validated.

A package the portal can run has one organisation (the default one) whose first item launches a SCO, a
resource of ``adlcp:scormtype="sco"`` whose ``href`` is a file in the zip. Its optional
``adlcp:masteryscore`` decides passed or failed from the score the content reports. Multi-SCO packages
are refused with a message saying so: a course item is one SCO.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from learning_portal import archives

MAX_ZIP_BYTES = 100 * 1024**2
MAX_UNPACKED_BYTES = 300 * 1024**2
MAX_FILES = 5000
MANIFEST = "imsmanifest.xml"
MAX_LAUNCH = 500  # characters of the launch file and its parameters (the column's size)

_ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


class PackageError(Exception):
    """Why the upload is not a SCORM 1.2 package the portal can run; nothing was stored."""


@dataclass(frozen=True)
class Manifest:
    identifier: str
    title: str
    launch: str  # the SCO's file, relative to the package root, with any query string
    mastery_score: Decimal | None


def read_package(data: bytes) -> tuple[Manifest, dict[str, bytes]]:
    """Check the zip, read its manifest and return it with the package's files (path -> content)."""
    files = _unzip(data)
    if MANIFEST not in files:
        nested = sorted(p for p in files if p.endswith("/" + MANIFEST))
        hint = f" It is at {nested[0]}: zip the package's contents, not its folder." if nested else ""
        raise PackageError(f"This is not a SCORM package: there is no {MANIFEST} at the top of the zip.{hint}")
    return parse_manifest(files[MANIFEST], set(files)), files


def parse_manifest(xml: bytes, files: set[str]) -> Manifest:
    try:
        root = ElementTree.fromstring(xml)
    except DefusedXmlException as exc:
        raise PackageError(f"{MANIFEST} uses XML entities or a DTD, which are not allowed.") from exc
    except ElementTree.ParseError as exc:
        raise PackageError(f"{MANIFEST} is not well-formed XML: {exc}.") from exc
    if _local(root.tag) != "manifest":
        raise PackageError(f"{MANIFEST} does not start with <manifest>.")
    version = _text(_first(root, "metadata", "schemaversion"))
    if version and version != "1.2":
        what = "SCORM 2004" if version.startswith(("CAM 1.3", "2004")) else "not SCORM 1.2"
        raise PackageError(f"The manifest declares schema version {version!r} ({what}); the portal runs "
                           "SCORM 1.2 packages.")
    organisations = _child(root, "organizations")
    orgs = _children(organisations, "organization")
    if not orgs:
        raise PackageError(f"{MANIFEST} has no <organization>: there is nothing to launch.")
    org = next((o for o in orgs if o.get("identifier") == organisations.get("default")), orgs[0])
    items = [element for element in org.iter() if _local(element.tag) == "item"]  # at any depth, in order
    launchable = [i for i in items if i.get("identifierref")]
    if not launchable:
        raise PackageError("The organisation has no item that refers to a resource.")
    resources = {r.get("identifier"): r for r in _children(_child(root, "resources"), "resource")}
    scos = []
    for item in launchable:
        resource = resources.get(item.get("identifierref"))
        if resource is None:
            raise PackageError(f"Item {item.get('identifier')!r} refers to resource {item.get('identifierref')!r}, "
                               "which the manifest does not define.")
        if (resource.get(f"{{{_ADLCP}}}scormtype") or resource.get(f"{{{_ADLCP}}}scormType") or "").lower() == "sco":
            scos.append((item, resource))
    if not scos:
        raise PackageError("The package has no SCO (a resource with adlcp:scormtype=\"sco\"): nothing reports "
                           "progress to the portal.")
    if len(scos) > 1:
        raise PackageError(f"The package has {len(scos)} SCOs; a course item runs one. Split it into packages, "
                           "one per SCO.")
    item, resource = scos[0]
    # IMS content packaging puts a resource under the xml:base of the manifest, its resources and itself.
    bases = (element.get(_XML_BASE) or "" for element in (root, _child(root, "resources"), resource)
             if element is not None)
    href = ("".join(bases) + (resource.get("href") or "")).strip()
    if not href:
        raise PackageError(f"Resource {resource.get('identifier')!r} has no href to launch.")
    launch = href + (item.get("parameters") or "")
    if len(launch) > MAX_LAUNCH:
        raise PackageError(f"The launch address is longer than {MAX_LAUNCH} characters.")
    path = archives.safe_path(href.split("?", 1)[0].split("#", 1)[0])
    if path is None or path not in files:
        raise PackageError(f"The launch file {href!r} is not in the zip.")
    return Manifest(identifier=root.get("identifier") or "", title=_text(_child(item, "title"))
                    or _text(_child(org, "title")) or "SCORM package", launch=launch,
                    mastery_score=_mastery(item))


def _unzip(data: bytes) -> dict[str, bytes]:
    limits = archives.Limits(zip_bytes=MAX_ZIP_BYTES, unpacked_bytes=MAX_UNPACKED_BYTES, files=MAX_FILES)
    try:
        return dict(archives.read_zip(data, limits, not_a_zip=f"A SCORM package is a zip with {MANIFEST} at its top."))
    except archives.ArchiveError as exc:
        raise PackageError(str(exc)) from exc


def _mastery(item: Element) -> Decimal | None:
    text = _text(item.find(f"{{{_ADLCP}}}masteryscore"))
    if not text:
        return None
    try:
        score = Decimal(text)
    except InvalidOperation as exc:
        raise PackageError(f"adlcp:masteryscore {text!r} is not a number.") from exc
    if not score.is_finite() or not 0 <= score <= 100:
        raise PackageError(f"adlcp:masteryscore {text} is outside 0-100.")
    return score


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(parent: Element | None, name: str) -> list[Element]:
    return [c for c in parent if _local(c.tag) == name] if parent is not None else []


def _child(parent: Element | None, name: str) -> Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _first(parent: Element, *path: str) -> Element | None:
    node: Element | None = parent
    for name in path:
        node = _child(node, name)
    return node


def _text(node: Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""
