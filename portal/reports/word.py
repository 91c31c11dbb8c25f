"""The report as an editable Word document (python-docx).

Committee staff edit it before sending it up, so it is built the way a person would build it in
Word: the section titles are real Heading 1 / Heading 2 paragraphs (Word's navigation pane and a
table of contents find them), the figures are tables in a named table style, and every font is
set on a style — Latin and East-Asian (``w:eastAsia``) — so that changing a style changes the
whole document. A4 pages with the page number in the footer; the list of all activities is on
landscape pages because it is wide.

Photos of the highlights are read from ``default_storage``; a photo that is missing or cannot be
read is left out rather than failing the report.
"""

from __future__ import annotations

import copy
import io
import logging
import re
from collections.abc import Iterable, Sequence

from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from PIL import Image, UnidentifiedImageError

from activities.exports import list_separator
from portal.dashboards.selectors import RATING_FIGURES
from portal.reports import labels

logger = logging.getLogger(__name__)

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: Fonts set on the styles. 宋体 and 黑体 are what a Chinese Word installation has and what
#: official documents use; LibreOffice on Linux substitutes Noto Serif / Sans CJK SC for them.
LATIN_FONT = "Times New Roman"
LATIN_HEADING_FONT = "Arial"
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
#: A paragraph style for the text inside tables (smaller, no spacing), editable like the rest.
TABLE_TEXT = "Report Table Text"
TABLE_TEXT_ID = "ReportTableText"
#: Cells of a gap in the coverage matrix (no approved activity), as in the Excel ledger header.
GAP_FILL = "FBEEEE"
HEADER_FILL = "F2F2F2"
PHOTO_WIDTH = Cm(12)
#: Width of the text on a portrait A4 page between the margins, and of a table's name column.
PORTRAIT_TEXT_CM = 16.6
FIRST_COLUMN_CM = 4.6
#: The list of all activities on a landscape page (25.3 cm between the margins).
ACTIVITY_COLUMNS_CM = (1.9, 4.0, 2.4, 2.0, 1.1, 1.3, 2.5, 2.1, 1.3, 1.3, 1.3, 1.3, 2.8)
#: The headline: figure, this period, previous, 环比, a year earlier, 同比 ("+264 (+1320%)").
HEADLINE_COLUMNS_CM = (4.0, 2.3, 2.3, 2.7, 2.3, 3.0)
#: Formats Word shows as they are; any other stored photo (WebP) is converted to PNG.
WORD_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "BMP"}


# --- Styles and page -----------------------------------------------------------------------------


def _set_fonts(style, latin: str, east_asian: str) -> None:
    """Latin and East-Asian fonts on ``style``, replacing the template's theme fonts (which
    would otherwise win over the names)."""
    style.font.name = latin
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _set_language(style) -> None:
    """Chinese for East-Asian text, so Word proofs it and picks Chinese punctuation widths."""
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _styles(document: DocumentObject) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _set_fonts(normal, LATIN_FONT, BODY_FONT)
    _set_language(normal)
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 24), ("Subtitle", 15), ("Heading 1", 16), ("Heading 2", 13)):
        style = styles[name]
        _set_fonts(style, LATIN_HEADING_FONT, HEADING_FONT)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
    styles["Heading 1"].paragraph_format.space_before = Pt(18)
    styles["Heading 1"].paragraph_format.space_after = Pt(8)
    table_text = styles.add_style(TABLE_TEXT, WD_STYLE_TYPE.PARAGRAPH)
    table_text.style_id = TABLE_TEXT_ID
    table_text.base_style = normal
    table_text.font.size = Pt(9)
    table_text.paragraph_format.space_after = Pt(0)


def _a4(section, *, landscape: bool = False) -> None:
    short, long = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.2)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``): Word fills it in when it lays the pages out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page_numbers(section) -> None:
    """ "第 N 页 / 共 M 页" in the footer, the translation deciding where the numbers go."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fields = {"{page}": "PAGE", "{pages}": "NUMPAGES"}
    for part in re.split(r"(\{page\}|\{pages\})", _("Page {page} of {pages}")):
        if part in fields:
            _field(paragraph, fields[part])
        elif part:
            paragraph.add_run(part)


# --- Tables --------------------------------------------------------------------------------------


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_header(row) -> None:
    """The header row is repeated at the top of every page a long table runs over."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _write(cell, value: object, *, bold: bool = False, number: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    # By id: ``paragraph.style = name`` looks the style up among all of them, every cell.
    paragraph._p.style = TABLE_TEXT_ID
    if number:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run("" if value is None else str(value))
    run.bold = bold or None


def _cells(row: _Row) -> list[_Cell]:
    """The cells of ``row`` without ``_Row.cells``, which lays out the whole table each time
    (a list of thousands of activities took minutes)."""
    return [_Cell(tc, row.table) for tc in row._tr.tc_lst]


def _widths(count: int, widths: Sequence[float] | None) -> list[Cm]:
    """Column widths in cm: ``widths`` as given, or a wide first column (the names) and the
    figures sharing the rest of a portrait page."""
    if widths is None:
        first = FIRST_COLUMN_CM if count > 1 else PORTRAIT_TEXT_CM
        rest = (PORTRAIT_TEXT_CM - first) / (count - 1) if count > 1 else 0
        widths = [first, *[rest] * (count - 1)]
    return [Cm(width) for width in widths]


def _table(
    document: DocumentObject,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numbers: Iterable[int] = (),
    total: Sequence[object] | None = None,
    widths: Sequence[float] | None = None,
) -> Table:
    """A table of ``headers`` and ``rows``; ``numbers`` are the indexes of the right-aligned
    columns; a ``total`` row is written in bold; ``widths`` in cm (see ``_widths``)."""
    numeric = set(numbers)
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Word reads the widths of the cells, LibreOffice those of the grid: set both.
    column_widths = _widths(len(headers), widths)
    for column, width in zip(table.columns, column_widths, strict=True):
        column.width = width
    header = table.rows[0]
    _repeat_as_header(header)
    for index, (cell, text) in enumerate(zip(_cells(header), headers, strict=True)):
        cell.width = column_widths[index]
        _write(cell, text, bold=True, number=index in numeric)
        _shade(cell, HEADER_FILL)
    body = _row_template(table, numeric, bold=False)
    for values in rows:
        _append_row(table, body, values)
    if total is not None:
        _append_row(table, _row_template(table, numeric, bold=True), total)
    return table


def _row_template(table: Table, numeric: set[int], *, bold: bool) -> CT_Row:
    """A row of formatted cells with one text run each, to be copied for every row: building
    each cell through python-docx costs about a millisecond, which a yearly list of thousands
    of activities cannot afford."""
    row = table.add_row()  # its cells get the widths of the grid's columns
    for index, cell in enumerate(_cells(row)):
        _write(cell, "-", bold=bold, number=index in numeric)
    # A row stays on one page: a title is not cut in half at the page break.
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    table._tbl.remove(row._tr)
    return row._tr


def _append_row(table: Table, template: CT_Row, values: Sequence[object]) -> None:
    tr = copy.deepcopy(template)
    texts = list(tr.iter(qn("w:t")))
    for text, value in zip(texts, values, strict=True):
        text.text = "" if value is None else str(value)
        text.set(qn("xml:space"), "preserve")
    table._tbl.append(tr)


def _none(document: DocumentObject, text: str) -> None:
    document.add_paragraph(text)


# --- Sections ------------------------------------------------------------------------------------


def _cover(document: DocumentObject, content: dict) -> None:
    committee, period, framework = content["committee"], content["period"], content["framework"]
    document.add_paragraph(committee["name"], style="Title")
    document.add_paragraph(labels.title(content), style="Subtitle")
    lines = [
        committee["organisation"],
        " ".join(part for part in (framework["name"], framework["main_line"]) if part),
        _("Period: %(start)s to %(end)s") % {"start": period["start"], "end": period["last_day"]},
        _("Generated on %(date)s") % {"date": content["generated_at"][:10]},
    ]
    for line in lines:
        if line:
            document.add_paragraph(line)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _headline(document: DocumentObject, content: dict) -> None:
    document.add_heading(_("Headline figures"), level=1)
    rows = []
    for figures in content["headline"]:
        compared = labels.compared(figures)
        rows.append(
            [
                labels.headline_label(figures["key"]),
                figures["current"],
                figures["previous"],
                labels.change(compared, against="previous"),
                figures["year_ago"],
                labels.change(compared, against="year_ago"),
            ]
        )
    participation = content["participation"]
    rate = labels.compared(
        {
            "current": participation["rate"],
            "previous": participation["previous_rate"],
            "year_ago": participation["year_ago_rate"],
        },
        is_rate=True,
    )
    rows.append(
        [
            _("Member participation rate"),
            labels.rate(rate.current),
            labels.rate(rate.previous),
            labels.change(rate, against="previous"),
            labels.rate(rate.year_ago),
            labels.change(rate, against="year_ago"),
        ]
    )
    if "confirmations" in content:
        share = labels.confirmed_share(content["confirmations"])
        rows.append(
            [
                _("Confirmed by partners"),
                labels.rate(share.current),
                labels.rate(share.previous),
                labels.change(share, against="previous"),
                labels.rate(share.year_ago),
                labels.change(share, against="year_ago"),
            ]
        )
    this_period, previous, year_ago = labels.comparison_headers(content)
    headers = [
        _("Figure"),
        this_period,
        previous,
        _("vs previous period"),
        year_ago,
        _("vs a year earlier"),
    ]
    _table(document, headers, rows, numbers=range(1, 6), widths=HEADLINE_COLUMNS_CM)
    document.add_paragraph(labels.backlog_note(content)).paragraph_format.space_before = Pt(6)


def _three(figures: dict) -> list[object]:
    return [figures["current"], figures["previous"], figures["year_ago"]]


def _measures(document: DocumentObject, content: dict) -> None:
    document.add_heading(_("Activities by measure"), level=1)
    measures = content["measures"]
    if not measures:
        _none(document, _("The committee's framework has no measures yet."))
        return
    headers = [
        _("Measure"),
        *labels.comparison_headers(content),
        _("Volunteers"),
        labels.headline_label("beneficiaries"),
        _("External participants"),
    ]
    rows = [
        [
            f"{m['code']} {m['title']}",
            *_three(m["activities"]),
            m["volunteers"],
            m["beneficiaries"],
            m["external_participants"],
        ]
        for m in measures
    ]
    _table(document, headers, rows, numbers=range(1, 7))


def _goals(document: DocumentObject, content: dict) -> None:
    document.add_heading(_("Activities by goal"), level=1)
    goals = content["goals"]
    if not goals:
        _none(document, _("The committee's framework has no goals yet."))
        return
    document.add_paragraph(_("An activity serving several goals counts under each."))
    rows = [[f"{g['code']} {g['title']}", *_three(g["activities"])] for g in goals]
    _table(document, [_("Goal"), *labels.comparison_headers(content)], rows, numbers=range(1, 4))


def _branches(document: DocumentObject, content: dict) -> None:
    document.add_heading(_("Branches: activities and participation"), level=1)
    branches = content["branches"]
    if not branches:
        _none(document, _("No branches have been added yet."))
        return
    document.add_paragraph(
        _(
            "A branch's activities include those it co-organised. Participation: members who "
            "attended at least one approved activity, of the members in the branch during the "
            "period."
        )
    )
    headers = [
        _("Branch"),
        *labels.comparison_headers(content),
        _("Members"),
        _("Members attended"),
        _("Participation"),
        _("Participation, previous period"),
    ]
    rows = [
        [
            b["name"],
            *_three(b["activities"]),
            b["members_active"],
            b["members_attended"],
            labels.rate(b["participation"]),
            labels.rate(b["participation_previous"]),
        ]
        for b in branches
    ]
    participation = content["participation"]
    total = [
        _("Whole committee"),
        "",
        "",
        "",
        participation["members_active"],
        participation["members_attended"],
        labels.rate(participation["rate"]),
        labels.rate(participation["previous_rate"]),
    ]
    _table(document, headers, rows, numbers=range(1, 8), total=total)


def _confirmations(document: DocumentObject, content: dict) -> None:
    """Per branch: the approved activities with partners, those confirmed, the share, the
    corrections asked and the evaluations (this period); the committee's as the total."""
    if "confirmations" not in content:
        return
    document.add_heading(_("Branches: confirmation by partners"), level=1)
    branches = content["branches"]
    if not branches:
        _none(document, _("No branches have been added yet."))
        return
    document.add_paragraph(labels.confirmation_note())
    headers = [
        _("Branch"),
        _("With partners"),
        _("Confirmed"),
        _("Confirmed share"),
        _("Corrections asked"),
        *labels.rating_labels(),
    ]

    def cells(checked: dict) -> list[object]:
        return [
            checked["partnered"],
            checked["confirmed"],
            labels.rate(labels.share_of(checked["confirmed"], checked["partnered"])),
            checked["corrected"],
            *(checked[figure] for figure in RATING_FIGURES),
        ]

    rows = [[b["name"], *cells(b["confirmations"])] for b in branches]
    committee = {figure: values["current"] for figure, values in content["confirmations"].items()}
    total = [_("Whole committee"), *cells(committee)]
    _table(document, headers, rows, numbers=range(1, 8), total=total)


def _coverage(document: DocumentObject, content: dict) -> None:
    document.add_heading(_("Coverage of the measures by branch"), level=1)
    coverage = content["coverage"]
    if not coverage["rows"] or not coverage["columns"]:
        _none(document, _("No branches have been added yet."))
        return
    document.add_paragraph(labels.gaps_note(content))
    codes = [column["code"] for column in coverage["columns"]]
    rows = [
        [row["branch"], *(count or labels.gap_mark() for count in row["counts"])]
        for row in coverage["rows"]
    ]
    total = [_("Branches covering it"), *coverage["covered_by"]]
    table = _table(
        document, [_("Branch"), *codes], rows, numbers=range(1, len(codes) + 1), total=total
    )
    for row, line in zip(table.rows[1:], coverage["rows"], strict=False):
        for cell, count in zip(_cells(row)[1:], line["counts"], strict=True):
            if not count:
                _shade(cell, GAP_FILL)
    document.add_heading(_("Gaps by branch"), level=2)
    titles = {
        column["code"]: f"{column['code']} {column['title']}" for column in coverage["columns"]
    }
    gaps = [row for row in coverage["rows"] if row["gaps"]]
    if not gaps:
        _none(document, _("Every measure has at least one approved activity in this period."))
    for row in gaps:
        names = list_separator().join(titles[code] for code in row["gaps"])
        line = pgettext("report gaps of a branch", "%(branch)s: %(measures)s")
        document.add_paragraph(
            line % {"branch": row["branch"], "measures": names}, style="List Bullet"
        )


def _partners(document: DocumentObject, content: dict) -> None:
    document.add_heading(_("Partner engagement"), level=1)
    partners = content["partners"]
    if not partners:
        _none(document, _("No partner organisations yet."))
        return
    headers = [
        _("Partner organisation"),
        capfirst(_("kind")),
        _("Joint activities this period"),
        _("Confirmed"),
        _("Corrections asked"),
        _("Partners' evaluations"),
        _("Last joint activity"),
        _("Agreement ends"),
        _("Quiet"),
    ]
    rows = [
        [
            p["name"],
            p["kind"],
            p["in_period"],
            p.get("confirmed", ""),
            p.get("corrected", ""),
            labels.evaluations_text(p),
            p["last_activity_date"] or _("never"),
            p["agreement_ends_on"] or "",
            _("Yes") if p["is_quiet"] else "",
        ]
        for p in partners
    ]
    widths = (3.4, 1.6, 1.5, 1.3, 1.3, 2.9, 1.9, 1.9, 0.8)
    _table(document, headers, rows, numbers=[2, 3, 4], widths=widths)


def _honours(document: DocumentObject, content: dict) -> None:
    document.add_heading(_("Honours"), level=1)
    honours = content["honours"]
    if not honours:
        _none(document, _("No honours were received in this period."))
        return
    headers = [
        capfirst(pgettext("honour", "title")),
        capfirst(_("level")),
        capfirst(_("awarded by")),
        capfirst(_("awarded on")),
        _("Awarded to"),
    ]
    rows = [
        [h["title"], h["level"], h["awarding_body"], h["awarded_on"], h["branch"]] for h in honours
    ]
    _table(document, headers, rows)


def _photo(name: str) -> io.BytesIO | None:
    """The stored photo as Word can show it, or ``None`` when it is gone or unreadable."""
    try:
        with default_storage.open(name) as stored:
            data = stored.read()
        with Image.open(io.BytesIO(data)) as image:
            if image.format in WORD_IMAGE_FORMATS:
                return io.BytesIO(data)
            converted = io.BytesIO()
            image.save(converted, format="PNG")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        logger.warning("Report photo %s left out: missing or unreadable", name)
        return None
    converted.seek(0)
    return converted


def _highlights(document: DocumentObject, content: dict) -> None:
    document.add_heading(_("Highlights"), level=1)
    highlights = content["highlights"]
    if not highlights:
        _none(document, _("No approved activity of this period has an outcome recorded yet."))
        return
    for item in highlights:
        document.add_heading(item["title"], level=2)
        document.add_paragraph(
            pgettext("report highlight", "%(date)s · %(organiser)s · %(measure)s")
            % {"date": item["date"], "organiser": item["organiser"], "measure": item["measure"]}
        )
        photo = _photo(item["photo"]) if item["photo"] else None
        if photo is not None:
            document.add_picture(photo, width=PHOTO_WIDTH)
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        document.add_paragraph(item["outcome"])


def _activities(document: DocumentObject, content: dict) -> None:
    _a4(document.add_section(WD_SECTION.NEW_PAGE), landscape=True)
    document.add_heading(_("All approved activities"), level=1)
    activities = content["activities"]
    if not activities:
        _none(document, _("No approved activities in this period."))
        return
    separator = list_separator()
    # The partners' confirmation in one column: "已确认：张三（春江街道），2024-05-12 10:30".
    headers = [*labels.activity_headers(), _("Partner confirmation")]
    rows = [[*labels.activity_cells(a, separator), labels.confirmation_text(a)] for a in activities]
    totals = content["totals"]
    total = [
        ngettext("Total: %(total)s activity", "Total: %(total)s activities", totals["activities"])
        % {"total": totals["activities"]},
        *[""] * 7,
        totals["attendances"],
        totals["volunteers"],
        totals["beneficiaries"],
        totals["external_participants"],
        "",
    ]
    _table(document, headers, rows, numbers=range(8, 12), total=total, widths=ACTIVITY_COLUMNS_CM)


def render_docx(content: dict) -> bytes:
    """The report ``content`` as a .docx file, labels in the active language."""
    document = Document()
    _styles(document)
    section = document.sections[0]
    _a4(section)
    _page_numbers(section)
    properties = document.core_properties
    properties.title = f"{content['committee']['name']} {labels.title(content)}"
    properties.language = translation.get_language() or ""
    properties.author = content["committee"]["name"]
    _cover(document, content)
    for part in (
        _headline,
        _measures,
        _goals,
        _branches,
        _confirmations,
        _coverage,
        _partners,
        _honours,
        _highlights,
        _activities,
    ):
        part(document, content)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
