"""A letter laid out on A4 as PDF with fpdf2. The DejaVu fonts bundled in
app/static/fonts are embedded (as subsets), so Danish, Swedish and Polish letters print
the same on every machine; the PDF's standard fonts know only Latin-1.

The address block sits where a C5/DL window envelope shows it (DIN 5008 / EN 10:
25 mm from the left, 50 mm from the top)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from PIL import Image

FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
FAMILY = "DejaVu"
LEFT, RIGHT, TOP, BOTTOM = 25, 20, 15, 28  # margins in mm
LOGO_BOX = (60, 20)  # largest logo, mm
ADDRESS_TOP = 50
DATE_TOP = 95
LINE = 5.5  # mm per line of 10.5 pt text
GREY = (100, 100, 100)


@dataclass(frozen=True)
class LetterContent:
    sender_name: str
    sender_lines: list[str]
    logo: bytes | None  # PNG or JPEG
    footer: str
    recipient: list[str]
    date: str
    subject: str
    body: str
    closing: str
    signature: str


class LetterDocument(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM)

    def footer(self) -> None:  # fpdf2 calls it on every page
        if not self.footer_text:
            return
        self.set_y(-BOTTOM + 8)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        self.multi_cell(0, 3.8, self.footer_text, align="C")
        self.set_text_color(0)


def render(content: LetterContent) -> bytes:
    pdf = LetterDocument(content.footer)
    pdf.set_title(content.subject)
    pdf.set_author(content.sender_name)
    pdf.set_creator("Kontakt CRM")
    pdf.add_page()
    _letterhead(pdf, content)
    _lines(pdf, content.recipient, top=ADDRESS_TOP, size=10.5)
    pdf.set_xy(LEFT, DATE_TOP)
    pdf.set_font(FAMILY, "", 10.5)
    pdf.cell(0, LINE, content.date, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(FAMILY, "B", 11.5)
    pdf.multi_cell(0, 6, content.subject, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "", 10.5)
    # multi_cell keeps the writer's line breaks; an empty line separates paragraphs
    pdf.multi_cell(0, LINE, content.body, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE * 1.5)
    pdf.multi_cell(0, LINE, content.closing, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE * 2.5)
    pdf.multi_cell(0, LINE, content.signature, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _letterhead(pdf: FPDF, content: LetterContent) -> None:
    """Logo on the left, the sender's name and address on the right."""
    if content.logo is not None:
        width, height = _logo_size(content.logo)
        pdf.image(io.BytesIO(content.logo), x=LEFT, y=TOP, w=width, h=height)
    pdf.set_xy(LEFT, TOP)
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(0, 6, content.sender_name, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*GREY)
    for line in content.sender_lines:
        pdf.cell(0, 4.5, line, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)


def _logo_size(data: bytes) -> tuple[float, float]:
    """The logo's size in mm, as large as fits the logo box, proportions kept."""
    with Image.open(io.BytesIO(data)) as image:
        ratio = image.width / image.height
    box_width, box_height = LOGO_BOX
    height = min(box_height, box_width / ratio)
    return height * ratio, height


def _lines(pdf: FPDF, lines: list[str], top: float, size: float) -> None:
    pdf.set_xy(LEFT, top)
    pdf.set_font(FAMILY, "", size)
    for line in lines:
        pdf.cell(0, LINE, line, new_x="LMARGIN", new_y="NEXT")
