"""Certificates of completion: one printable landscape page per training record, as PDF bytes.

Pure: no database, no Flask. The caller looks the record up, checks who may have it and passes plain values.
Only the PDF core fonts are used (Helvetica), so every text is reduced to latin-1 first.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from learning_portal.formatting import hours as format_hours

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")

# Typographic characters outside latin-1 that have a faithful plain equivalent.
_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "\u00b7", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "",
    "\u2122": "(TM)", "\u20ac": "EUR", "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d",
    "\u0152": "OE", "\u0153": "oe", "\u0131": "i",
})

_NAVY = (20, 50, 92)  # --brand in portal.css
_INK = (26, 31, 41)
_SOFT = (74, 83, 99)
_GOLD = (176, 141, 60)


def latin1(text: str) -> str:
    """``text`` reduced to what the core fonts can show: plain equivalents, accents kept where latin-1 has
    them, and "?" for anything else."""
    text = text.translate(_PLAIN)
    out = []
    for char in unicodedata.normalize("NFC", text):
        if ord(char) < 256:
            out.append(char if char.isprintable() or char == " " else " ")
            continue
        # e.g. "\u0107" is "c" + a combining accent, "\ufb01" is "fi": keep what latin-1 has, else "?".
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


def long_date(day: date) -> str:
    """24 November 2026 (independent of the process locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def build_certificate_pdf(*, person_name: str, post_id: str, agency_name: str | None, course_number: str, title: str,
                          hours: Decimal, completed_on: date, verification_code: str, verify_url: str,
                          source_label: str) -> bytes:
    """A one-page landscape A4 certificate. Text streams are left uncompressed so the PDF is searchable.

    Every block has a fixed place on the page; long names and titles get a smaller font, then are shortened
    with "...", so nothing ever overlaps or spills onto a second page.
    """
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_compression(False)
    pdf.set_auto_page_break(False)
    pdf.set_margins(30, 20, 30)
    pdf.set_title(latin1(f"Certificate of Completion: {title}"))
    pdf.set_subject(latin1(f"{course_number} completed by {person_name}"))
    pdf.set_author("Learning Portal")
    pdf.set_creator("Learning Portal")
    pdf.set_lang("en")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    _frame(pdf)

    # Heading.
    pdf.set_char_spacing(2)
    _text(pdf, 26, "LEARNING PORTAL", style="B", sizes=(11,), color=_SOFT)
    pdf.set_char_spacing(0)
    _text(pdf, 35, "Certificate of Completion", style="B", sizes=(34,), color=_NAVY)
    _rule(pdf, 53, 60)

    # Who.
    _text(pdf, 60, "This certifies that", sizes=(13,), color=_SOFT)
    _text(pdf, 69, person_name, style="B", sizes=(28, 24, 20, 16))
    who = f"POST ID {post_id}" + (f"  \u00b7  {agency_name}" if agency_name else "")
    _text(pdf, 83, who, sizes=(12, 10, 8), color=_SOFT)

    # What: the title takes at most two lines, then the course number right under it.
    _text(pdf, 94, "has completed the course", sizes=(13,), color=_SOFT)
    bottom = _text(pdf, 102, title, style="B", sizes=(20, 17, 14, 12), max_lines=2)
    _text(pdf, bottom + 1, f"Course number {course_number}", sizes=(12, 10), color=_SOFT)

    # Facts, in three columns.
    facts = (
        ("CPT hours", format_hours(hours)),
        ("Completed on", long_date(completed_on)),
        ("Recorded as", source_label),
    )
    column = width / len(facts)
    for index, (label, value) in enumerate(facts):
        x = pdf.l_margin + index * column
        _text(pdf, 133, label.upper(), sizes=(10,), color=_SOFT, x=x, width=column)
        _text(pdf, 139, value, style="B", sizes=(15, 12, 10), x=x, width=column)
    _rule(pdf, 151, width, color=(213, 218, 226), thickness=0.3)

    # Verification.
    _text(pdf, 156, "Verification code", sizes=(10,), color=_SOFT)
    pdf.set_char_spacing(1.5)
    _text(pdf, 161, verification_code, style="B", sizes=(18,), color=_NAVY)
    pdf.set_char_spacing(0)
    _text(pdf, 172, "Anyone can check that this certificate is genuine at:", sizes=(10,), color=_SOFT)
    _text(pdf, 177, verify_url, style="U", sizes=(10, 9, 8, 7), color=(10, 88, 176), link=verify_url)

    # Footer, inside the frame.
    _text(pdf, 187, "Issued by the Learning Portal from the training record it shows. The record, not this paper, "
          "is the authority.", style="I", sizes=(8,), color=_SOFT)
    return bytes(pdf.output())


def _text(pdf: FPDF, y: float, text: str, *, sizes: tuple[float, ...], style: str = "",
          color: tuple[int, int, int] = _INK, max_lines: int = 1, x: float | None = None, width: float | None = None,
          link: str | None = None) -> float:
    """Centred ``text`` from ``y`` in the largest of ``sizes`` that fits ``max_lines``; returns the bottom y."""
    text = latin1(text)
    x = pdf.l_margin if x is None else x
    width = pdf.w - pdf.l_margin - pdf.r_margin if width is None else width
    for size in sizes:
        pdf.set_font("Helvetica", style, size)
        lines = _lines(pdf, text, width)
        if len(lines) <= max_lines:
            break
    else:
        lines = lines[:max_lines]
        lines[-1] = _shorten(pdf, lines[-1], width)
    line_height = pdf.font_size * 1.25
    pdf.set_text_color(*color)
    for index, line in enumerate(lines):
        pdf.set_xy(x, y + index * line_height)
        pdf.cell(width, line_height, line, align="C", link=link or "")
    return y + len(lines) * line_height


def _lines(pdf: FPDF, text: str, width: float) -> list[str]:
    if pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
        return [text]
    return pdf.multi_cell(width, text=text, align="C", dry_run=True, output=MethodReturnValue.LINES)


def _shorten(pdf: FPDF, line: str, width: float) -> str:
    """``line`` cut at a word (or a character) so that it fits ``width`` with "..." after it."""
    room = width - 2 * pdf.c_margin
    words = line.split(" ")
    while len(words) > 1 and pdf.get_string_width(" ".join(words) + "...") > room:
        words.pop()
    line = " ".join(words)
    while line and pdf.get_string_width(line + "...") > room:
        line = line[:-1]
    return line.rstrip(" ,;:-") + "..."


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*_NAVY)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)


def _rule(pdf: FPDF, y: float, length: float, *, color: tuple[int, int, int] = _GOLD, thickness: float = 0.8) -> None:
    pdf.set_draw_color(*color)
    pdf.set_line_width(thickness)
    x = (pdf.w - length) / 2
    pdf.line(x, y, x + length, y)
