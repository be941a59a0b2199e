"""社会保险个人权益记录单 as a PDF (下载), and the check of an issued one (核验).

The PDF: A4, the manual's table, the 温馨提示, a verification code and a QR linking to the
public check page ``/verify/<code>``. The text is set in Noto Sans CJK SC (SIL Open Font
License), embedded as a subset: the font file (OpenType/CFF, every CJK ideograph including
those outside the basic plane, e.g. 𠮷) is cut down with fontTools to the characters this
statement uses and its outlines turned into TrueType ones, which reportlab embeds (reportlab
embeds TrueType outlines only). Where the font file lives: ``settings.statement_font_path``
(docs/deploy.md). reportlab and fontTools are imported here only (cold start).

The code (:func:`issue_code`) carries the statement year, the day of issue, a digest of what
the PDF shows, and a MAC over those with the hall's key (``crypto.mac``): ``/verify/<code>``
says 真实有效 for a code the hall issued, showing only the year and the day (less than the PDF).
The file itself ends with a line ``%HALL-STATEMENT <code> <mac>`` after ``%%EOF`` (readers
ignore it), the MAC covering the SHA-256 of every byte before it and the code. The 核验 page
reads that line and hashes the rest in the browser (the file never leaves it) and the hall
answers :func:`check_digest`; :func:`check_file` does the same from the bytes. One byte changed:
无法验证.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import struct
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib import clock, crypto, settings
from chalicelib.domain.statements import Statement

__all__ = ["CodeCheck", "check_code", "check_digest", "check_file", "issue_code", "render", "split_file"]

EPOCH = date(2000, 1, 1)
TRAILER = b"%HALL-STATEMENT "
MAX_FILE_BYTES = 2 * 1024 * 1024
# The Noto Sans CJK collection holds JP, KR, SC, TC, HK faces: SC is the third.
SC_FACE = 2
_LOCK = threading.Lock()  # reportlab's font registry is process-wide


@dataclass(frozen=True)
class CodeCheck:
    valid: bool
    year: int | None = None
    issued_on: date | None = None

    @property
    def message(self) -> str:
        return "真实有效" if self.valid else "无法验证"

    def view(self) -> dict:
        return {
            "result": "valid" if self.valid else "invalid",
            "message": self.message,
            "year": self.year,
            "title": f"{self.year}年度社会保险个人权益记录单（城镇职工）" if self.valid else None,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
        }


# -- the verification code -----------------------------------------------------------------


def _content_digest(statement: Statement, issued_on: date) -> bytes:
    canonical = json.dumps(
        {**statement.figures(), "issued_on": issued_on.isoformat()}, ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).digest()[:12]


def _tag(head: bytes) -> bytes:
    return bytes.fromhex(crypto.mac("statement-code", head.hex()))[:10]


def issue_code(statement: Statement, issued_on: date) -> str:
    """The statement's verification code: year, day, content digest, MAC (42 base32 letters)."""
    head = struct.pack(">HH", statement.year, (issued_on - EPOCH).days) + _content_digest(statement, issued_on)
    return base64.b32encode(head + _tag(head)).decode().rstrip("=")


def check_code(code: str) -> CodeCheck:
    """真实有效 when the hall issued this code (its MAC holds), with its year and day only."""
    text = (code or "").strip().upper().replace("-", "")
    if len(text) != 42 or not text.isalnum():
        return CodeCheck(False)
    try:
        raw = base64.b32decode(text + "=" * 6)
    except ValueError:
        return CodeCheck(False)
    head, tag = raw[:16], raw[16:]
    # Any suite's MAC (chalicelib/crypto.py): statements printed before a switch to 国密 stay checkable.
    tags = [bytes.fromhex(m)[:10] for m in crypto.macs("statement-code", head.hex(), any_suite=True)]
    if not any(hmac.compare_digest(t, tag) for t in tags):
        return CodeCheck(False)
    year, days = struct.unpack(">HH", head[:4])
    return CodeCheck(True, year, EPOCH + timedelta(days=days))


def _file_mac(sha256_hex: str, code: str) -> str:
    return crypto.mac("statement-file", sha256_hex + code)


def check_digest(sha256_hex: str, code: str, mac: str) -> CodeCheck:
    """真实有效 when ``mac`` is the hall's over this digest of a file's body and its code."""
    sha256_hex, code, mac = (v.strip().lower() for v in (sha256_hex, code, mac))
    if len(sha256_hex) != 64 or len(mac) != 64:
        return CodeCheck(False)
    made = crypto.macs("statement-file", sha256_hex + code.upper(), any_suite=True)
    if not any(hmac.compare_digest(m, mac) for m in made):
        return CodeCheck(False)
    return check_code(code)


def split_file(data: bytes) -> tuple[bytes, str, str] | None:
    """A statement file's body (every byte before its last line), code and MAC; None if none."""
    at = data.rfind(b"\n" + TRAILER)
    if at < 0:
        return None
    parts = data[at + 1 + len(TRAILER) :].rstrip(b"\n").split(b" ")
    if len(parts) != 2:
        return None
    try:
        return data[: at + 1], parts[0].decode("ascii"), parts[1].decode("ascii")
    except UnicodeDecodeError:
        return None


def check_file(data: bytes) -> CodeCheck:
    """真实有效 only for a file exactly as the hall issued it."""
    split = split_file(data) if data and len(data) <= MAX_FILE_BYTES else None
    if split is None:
        return CodeCheck(False)
    body, code, mac = split
    return check_digest(hashlib.sha256(body).hexdigest(), code, mac)


# -- the font --------------------------------------------------------------------------------


def _subset_font(text: str) -> io.BytesIO:
    """The statement font cut down to ``text``'s characters, with TrueType outlines."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    path = settings.get().statement_font_path
    font = TTFont(path, fontNumber=SC_FACE, lazy=True) if path.endswith(".ttc") else TTFont(path, lazy=True)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "CFF " in font:
        glyph_set, order = font.getGlyphSet(), font.getGlyphOrder()
        glyf = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, {}
        for name in order:
            pen = TTGlyphPen(glyph_set)
            glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf.glyphs[name] = pen.glyph()
        font["glyf"], font["loca"] = glyf, newTable("loca")
        for tag in ("CFF ", "VORG"):
            if tag in font:
                del font[tag]
        maxp = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for attr in (
            "maxTwilightPoints maxStorage maxFunctionDefs maxInstructionDefs maxStackElements "
            "maxSizeOfInstructions maxComponentElements"
        ).split():
            setattr(maxp, attr, 0)
        maxp.maxZones, maxp.numGlyphs = 1, len(order)
        font["maxp"] = maxp
        font["head"].indexToLocFormat, font["head"].glyphDataFormat = 0, 0
        font["post"].formatType = 3.0
        font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    out.seek(0)
    return out


def _to_unicode_cmap(fontname, subset):
    """reportlab's ToUnicode CMap, with characters outside the basic plane written as UTF-16
    surrogate pairs (reportlab's own keeps only the low 16 bits, so 𠮷 would read back wrong)."""

    def utf16(cp: int) -> str:
        return chr(cp).encode("utf-16-be", "surrogatepass").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *[f"<{i:02X}> <{utf16(v)}>" for i, v in enumerate(subset)],
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


# -- the PDF --------------------------------------------------------------------------------

FONT_NAME = "HallStatementCJK"
HEADINGS = (
    "社会保险个人权益单",
    "个人基本信息",
    "姓名",
    "单位全称",
    "社会保障号码",
    "首次缴费日期",
    "养老",
    "失业",
    "工伤",
    "缴费情况",
    "个人月缴费基数",
    "养老缴费信息",
    "失业缴费信息",
    "工伤缴费信息",
    "单位缴费",
    "个人缴费",
    "（单位缴费）",
    "温馨提示：",
    "核验码：",
    "签发日期：",
    "扫描二维码或访问以下地址核验本记录单真伪：",
    "江苏省人力资源和社会保障厅 网上办事服务大厅",
    "金额单位：元",
)


def _verify_url(code: str) -> str:
    return settings.get().public_base_url.rstrip("/") + "/verify/" + code


def render(statement: Statement, now: datetime | None = None) -> tuple[bytes, str]:
    """The statement's PDF and its verification code."""
    issued_on = (now or clock.now()).astimezone(clock.CHINA).date()
    code = issue_code(statement, issued_on)
    with _LOCK:
        body = _render(statement, code, issued_on)
    return body + TRAILER + f"{code} {_file_mac(hashlib.sha256(body).hexdigest(), code)}\n".encode(), code


def _render(statement: Statement, code: str, issued_on: date) -> bytes:
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    f = statement.figures()
    url = _verify_url(code)
    issued = f"{issued_on.year}年{issued_on.month}月{issued_on.day}日"
    texts = [*HEADINGS, *f.values(), statement.notice, code, url, issued, "（", "）"]
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    font = ttfonts.TTFont(FONT_NAME, _subset_font("".join(texts)))
    pdfmetrics.registerFont(font)

    def style(size: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(f"s{size}", fontName=FONT_NAME, fontSize=size, leading=size * 1.4, wordWrap="CJK", **kw)

    cell, title = style(9, alignment=1), style(16, alignment=1)

    def p(text: str, st: ParagraphStyle = cell) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(text), st)

    grid = [
        [p("个人基本信息")] + [""] * 7,
        [p("姓名"), p(f["name"]), p("单位全称"), p(f["unit"]), "", p("社会保障号码"), p(f["ssn"]), ""],
        [
            p("首次缴费日期"),
            p("养老"),
            p(f["first_pension"]),
            p("失业"),
            p(f["first_unemployment"]),
            p("工伤"),
            p(f["first_injury"]),
            "",
        ],
        [p("缴费情况")] + [""] * 7,
        [p("个人月缴费基数"), "", "", p("养老缴费信息"), "", p("失业缴费信息"), "", p("工伤缴费信息")],
        [
            p("养老"),
            p("失业"),
            p("工伤"),
            p("单位缴费"),
            p("个人缴费"),
            p("单位缴费"),
            p("个人缴费"),
            p("（单位缴费）"),
        ],
        [
            p(f[k])
            for k in (
                "base_pension",
                "base_unemployment",
                "base_injury",
                "pension_unit",
                "pension_personal",
                "unemployment_unit",
                "unemployment_personal",
                "injury_unit",
            )
        ],
    ]
    width = (A4[0] - 36 * mm) / 8
    table = Table(grid, colWidths=[width] * 8)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("SPAN", (0, 0), (7, 0)),
                ("SPAN", (3, 1), (4, 1)),
                ("SPAN", (6, 1), (7, 1)),
                ("SPAN", (6, 2), (7, 2)),
                ("SPAN", (0, 3), (7, 3)),
                ("SPAN", (0, 4), (2, 4)),
                ("SPAN", (3, 4), (4, 4)),
                ("SPAN", (5, 4), (6, 4)),
                ("BACKGROUND", (0, 0), (7, 0), colors.HexColor("#e8eef7")),
                ("BACKGROUND", (0, 3), (7, 3), colors.HexColor("#e8eef7")),
            ]
        )
    )
    qr = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    side = 30 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    small = style(9)
    footer = Table(
        [
            [
                [
                    p("核验码：" + code, small),
                    p("签发日期：" + issued, small),
                    p("扫描二维码或访问以下地址核验本记录单真伪：", small),
                    p(url, small),
                ],
                drawing,
            ]
        ],
        colWidths=[A4[0] - 36 * mm - side - 4 * mm, side + 4 * mm],
    )
    story = [
        p(statement.title, title),
        p(f"（{statement.period}）", style(11, alignment=1)),
        Spacer(1, 4 * mm),
        p("金额单位：元", style(9, alignment=2)),
        table,
        Spacer(1, 6 * mm),
        p("温馨提示：" + statement.notice, style(10)),
        Spacer(1, 8 * mm),
        footer,
        Spacer(1, 4 * mm),
        p("江苏省人力资源和社会保障厅 网上办事服务大厅", style(9, alignment=2)),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=statement.title,
        author="江苏人社网上办事服务大厅",
        invariant=1,
    )
    from functools import partial

    from reportlab.pdfgen.canvas import Canvas

    try:
        # The canvas starts in our font, so the PDF names no other (no unembedded Helvetica).
        doc.build(story, canvasmaker=partial(Canvas, initialFontName=FONT_NAME, initialFontSize=9))
    finally:
        # The next statement registers its own subset: reportlab would otherwise hand back this
        # one, which it keeps by our name and by the face's name.
        pdfmetrics._fonts.pop(FONT_NAME, None)
        pdfmetrics._dynFaceNames.pop(font.face.name, None)
    return out.getvalue()
