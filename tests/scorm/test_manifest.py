"""Reading SCORM 1.2 packages: what is accepted, and every way an upload is refused with a reason."""

import io
import stat
import zipfile
from decimal import Decimal

import pytest

from learning_portal.scorm import manifest
from learning_portal.scorm.manifest import PackageError, read_package
from tests.scorm.packages import manifest_xml, package_zip


def raw_zip(entries: dict[str, bytes | str], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def refused(data: bytes) -> str:
    with pytest.raises(PackageError) as caught:
        read_package(data)
    return str(caught.value)


def test_a_package_gives_its_title_launch_file_mastery_score_and_files():
    found, files = read_package(package_zip())
    assert (found.title, found.launch, found.mastery_score) == ("Use of Force Quiz", "index.html", Decimal(80))
    assert found.identifier == "com.example.force-quiz"
    assert {"imsmanifest.xml", "index.html", "assets/style.css", "assets/Logo (blue).svg"} <= set(files)
    assert files["assets/style.css"] == b"body { font-family: sans-serif; }"


def test_without_a_mastery_score_and_with_launch_parameters():
    data = package_zip(mastery=None, files={"imsmanifest.xml": manifest_xml(mastery=None).replace(
        'identifierref="RES-1"', 'identifierref="RES-1" parameters="?lang=en"')})
    found, _ = read_package(data)
    assert found.mastery_score is None and found.launch == "index.html?lang=en"


def test_the_launch_file_is_found_under_the_xml_bases_of_the_manifest():
    xml = manifest_xml().replace("<resources>", '<resources xml:base="content/">').replace(
        'type="webcontent"', 'type="webcontent" xml:base="sco/"')
    found, _ = read_package(raw_zip({"imsmanifest.xml": xml, "content/sco/index.html": "<p>SCO</p>"}))
    assert found.launch == "content/sco/index.html"
    assert "not in the zip" in refused(raw_zip({"imsmanifest.xml": xml, "index.html": "<p>SCO</p>"}))


def test_not_a_zip():
    assert "not a zip file" in refused(b"%PDF-1.4 not a zip")


def test_no_manifest_and_a_manifest_one_folder_down_says_what_to_zip():
    assert "no imsmanifest.xml" in refused(raw_zip({"index.html": "<p>"}))
    message = refused(raw_zip({"course/imsmanifest.xml": manifest_xml(), "course/index.html": "<p>"}))
    assert "course/imsmanifest.xml" in message and "not its folder" in message


@pytest.mark.parametrize("name", ["../evil.html", "/etc/evil.html", "a/../../evil.html", "C:\\evil.html",
                                  "a\\..\\evil.html"])
def test_a_name_outside_the_package_is_refused(name):
    data = raw_zip({"imsmanifest.xml": manifest_xml(), "index.html": "<p>", name: "x"})
    assert "outside its folder" in refused(data)


def test_a_link_is_refused():
    data = raw_zip({"imsmanifest.xml": manifest_xml(), "index.html": "<p>"}, link="passwd")
    assert "link" in refused(data)


def test_oversized_and_crowded_zips_are_refused(monkeypatch):
    monkeypatch.setattr(manifest, "MAX_ZIP_BYTES", 1000)
    assert "larger than" in refused(b"x" * 1001)
    monkeypatch.setattr(manifest, "MAX_ZIP_BYTES", 10**9)
    monkeypatch.setattr(manifest, "MAX_UNPACKED_BYTES", 5000)
    assert "unpacks to more than" in refused(package_zip(files={"big.bin": b"\0" * 6000}))
    monkeypatch.setattr(manifest, "MAX_UNPACKED_BYTES", 10**9)
    monkeypatch.setattr(manifest, "MAX_FILES", 3)
    assert "more than 3 files" in refused(package_zip())


def test_malformed_xml_and_entities_are_refused():
    assert "not well-formed" in refused(package_zip(files={"imsmanifest.xml": "<manifest><organizations>"}))
    bomb = ('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            "<manifest>&b;</manifest>")
    assert "entities" in refused(package_zip(files={"imsmanifest.xml": bomb}))


def test_scorm_2004_is_refused_with_its_name():
    message = refused(package_zip(version="2004 4th Edition"))
    assert "SCORM 2004" in message and "SCORM 1.2" in message


def test_nothing_to_launch():
    no_sco = manifest_xml().replace('adlcp:scormtype="sco"', 'adlcp:scormtype="asset"')
    assert "no SCO" in refused(package_zip(files={"imsmanifest.xml": no_sco}))
    assert "2 SCOs" in refused(package_zip(scos=2))
    assert "launch file 'missing.html' is not in the zip" in refused(package_zip(href="missing.html"))
    dangling = manifest_xml().replace('identifierref="RES-1"', 'identifierref="RES-9"')
    assert "RES-9" in refused(package_zip(files={"imsmanifest.xml": dangling}))


def test_a_mastery_score_must_be_a_number_from_0_to_100():
    assert "not a number" in refused(package_zip(files={"imsmanifest.xml": manifest_xml().replace(
        "<adlcp:masteryscore>80", "<adlcp:masteryscore>high")}))
    assert "outside 0-100" in refused(package_zip(mastery=150))
    assert "outside 0-100" in refused(package_zip(files={"imsmanifest.xml": manifest_xml().replace(
        "<adlcp:masteryscore>80", "<adlcp:masteryscore>NaN")}))


def test_a_launch_address_longer_than_the_portal_keeps_is_refused():
    long_parameters = manifest_xml().replace('identifierref="RES-1"',
                                             f'identifierref="RES-1" parameters="?{"x" * 500}"')
    assert "longer than 500" in refused(package_zip(files={"imsmanifest.xml": long_parameters}))


def test_an_entry_that_lies_about_its_size_is_refused():
    data = bytearray(package_zip())
    # The central directory's uncompressed size of index.html, made smaller than the content (a zip bomb's trick).
    size_at = data.rfind(b"PK\x01\x02", 0, data.find(b"index.html", data.find(b"PK\x01\x02"))) + 24
    data[size_at:size_at + 4] = (10).to_bytes(4, "little")
    assert "damaged at index.html" in refused(bytes(data))


def test_a_damaged_or_encrypted_entry_is_refused():
    data = bytearray(package_zip())
    at = data.find(b"Use of force: a short quiz")  # inside index.html, stored compressed: find the raw bytes
    central = data.find(b"PK\x01\x02")
    crc_at = data.rfind(b"PK\x01\x02", 0, data.find(b"index.html", central)) + 16
    data[crc_at:crc_at + 4] = b"\0\0\0\0"  # a wrong checksum: the content no longer matches
    assert at == -1 and "damaged at index.html" in refused(bytes(data))
    encrypted = bytearray(raw_zip({"imsmanifest.xml": manifest_xml(), "index.html": "<p>"}))
    flag_at = encrypted.find(b"PK\x01\x02") + 8
    encrypted[flag_at] |= 1  # the "encrypted" flag of the first entry
    assert "cannot be read" in refused(bytes(encrypted))
