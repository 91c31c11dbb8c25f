"""The report as an Excel workbook (openpyxl).

The first sheet, the summary (汇总), has the figures of the page: the headline with the previous
period and a year earlier, activities by measure, by goal and by branch, and the totals. Then one
sheet of raw rows per topic — activities, coverage, partner organisations, honours, participation
by branch — with a header row, frozen and filterable, so that staff can sort, filter and pivot.

Figures are written as numbers (rates as fractions shown as percentages, dates as dates) and
totals as values, the same as the page's; text is always written as text
(``portal.core.spreadsheets.sheet_cell``, as in every export), so a title that starts with "="
never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from activities.exports import list_separator, workbook_bytes
from portal.core.spreadsheets import sheet_cell
from portal.dashboards.selectors import RATING_FIGURES
from portal.reports import labels

DATE_FORMAT = "yyyy-mm-dd"
RATE_FORMAT = "0.0%"
HEADER_STYLE = {
    "font": Font(bold=True),
    "fill": PatternFill("solid", fgColor="FBEEEE"),
    "alignment": Alignment(vertical="center", wrap_text=True),
}
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)
TOTAL_FONT = Font(bold=True)
GAP_FILL = PatternFill("solid", fgColor="F4CCCC")
#: Characters Excel refuses in a sheet name.
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Rate:
    """A fraction written as a number shown as a percentage."""

    value: float | None


def _value_cell(sheet, value: object, **style: object):
    if isinstance(value, Rate):
        return sheet_cell(sheet, value.value, number_format=RATE_FORMAT, **style)
    if isinstance(value, dt.date):
        return sheet_cell(sheet, value, number_format=DATE_FORMAT, **style)
    return sheet_cell(sheet, value, **style)


def _row(sheet, values: Iterable[object], **style: object) -> None:
    sheet.append([_value_cell(sheet, value, **style) for value in values])


def _sheet(workbook: Workbook, title: str, widths: Sequence[int]):
    sheet = workbook.create_sheet(title.translate(SHEET_NAME_FORBIDDEN)[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _raw_sheet(
    workbook: Workbook,
    title: str,
    headers: Sequence[tuple[str, int]],
    rows: Iterable[Sequence[object]],
    *,
    fills: Iterable[Sequence[PatternFill | None]] | None = None,
) -> None:
    """One topic's rows under a frozen, filterable header row (``headers``: label, width)."""
    sheet = _sheet(workbook, title, [width for _label, width in headers])
    sheet.freeze_panes = "A2"
    _row(sheet, [label for label, _width in headers], **HEADER_STYLE)
    top = Alignment(vertical="top", wrap_text=True)
    count = 1
    fill_rows = iter(fills) if fills is not None else None
    for values in rows:
        row_fills = next(fill_rows) if fill_rows is not None else [None] * len(values)
        sheet.append(
            [
                _value_cell(sheet, value, alignment=top, **({"fill": fill} if fill else {}))
                for value, fill in zip(values, row_fills, strict=True)
            ]
        )
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count}"


def _three(figures: dict) -> list[object]:
    return [figures["current"], figures["previous"], figures["year_ago"]]


# --- The summary ------------------------------------------------------------------------------


def _summary(workbook: Workbook, content: dict) -> None:
    sheet = _sheet(workbook, pgettext("report workbook sheet", "Summary"), [34, *[16] * 7])
    committee, period = content["committee"], content["period"]

    def blank() -> None:
        sheet.append([])

    def section(title: str, headers: Sequence[str]) -> None:
        blank()
        _row(sheet, [title], font=SECTION_FONT)
        _row(sheet, headers, **HEADER_STYLE)

    _row(sheet, [f"{committee['name']} {labels.title(content)}"], font=TITLE_FONT)
    _row(sheet, [_("Period"), _date(period["start"]), _date(period["last_day"])])
    _row(sheet, [_("Generated at"), content["generated_at"].replace("T", " ")[:16]])

    section(_("Headline figures"), [_("Figure"), *labels.comparison_headers(content)])
    for figures in content["headline"]:
        _row(sheet, [labels.headline_label(figures["key"]), *_three(figures)])
    participation = content["participation"]
    _row(
        sheet,
        [
            _("Member participation rate"),
            Rate(participation["rate"]),
            Rate(participation["previous_rate"]),
            Rate(participation["year_ago_rate"]),
        ],
    )
    if "confirmations" in content:
        share = labels.confirmed_share(content["confirmations"])
        _row(
            sheet,
            [
                _("Confirmed by partners"),
                Rate(share.current),
                Rate(share.previous),
                Rate(share.year_ago),
            ],
        )
    _row(sheet, [_("Waiting for review"), content["backlog"]["waiting"]])
    _row(sheet, [_("Waiting over 7 days"), content["backlog"]["over_week"]])

    section(
        _("Activities by measure"),
        [
            _("Measure"),
            *labels.comparison_headers(content),
            _("Volunteers"),
            labels.headline_label("beneficiaries"),
            _("External participants"),
        ],
    )
    for m in content["measures"]:
        _row(
            sheet,
            [
                f"{m['code']} {m['title']}",
                *_three(m["activities"]),
                m["volunteers"],
                m["beneficiaries"],
                m["external_participants"],
            ],
        )

    section(_("Activities by goal"), [_("Goal"), *labels.comparison_headers(content)])
    for g in content["goals"]:
        _row(sheet, [f"{g['code']} {g['title']}", *_three(g["activities"])])

    section(
        _("Branches: activities and participation"),
        [
            _("Branch"),
            *labels.comparison_headers(content),
            _("Members"),
            _("Members attended"),
            _("Participation"),
        ],
    )
    for b in content["branches"]:
        _row(
            sheet,
            [
                b["name"],
                *_three(b["activities"]),
                b["members_active"],
                b["members_attended"],
                Rate(b["participation"]),
            ],
        )
    _row(
        sheet,
        [
            _("Whole committee"),
            None,
            None,
            None,
            participation["members_active"],
            participation["members_attended"],
            Rate(participation["rate"]),
        ],
        font=TOTAL_FONT,
    )

    if "confirmations" in content:
        _confirmations(sheet, content, section)

    totals = content["totals"]
    section(_("Totals of the approved activities"), [_("Figure"), _("Total")])
    for label, value in (
        (_("Approved activities"), totals["activities"]),
        (_("Attendances of members"), totals["attendances"]),
        (_("Volunteers"), totals["volunteers"]),
        (labels.headline_label("beneficiaries"), totals["beneficiaries"]),
        (_("External participants"), totals["external_participants"]),
        (_("Coverage gaps (branch × measure)"), content["coverage"]["gap_count"]),
    ):
        _row(sheet, [label, value])


def _confirmations(sheet, content: dict, section) -> None:
    """The summary's block of the partners' confirmation by branch (this period)."""
    section(
        _("Branches: confirmation by partners"),
        [
            _("Branch"),
            _("With partners"),
            _("Confirmed"),
            _("Confirmed share"),
            _("Corrections asked"),
            *labels.rating_labels(),
        ],
    )

    def cells(checked: dict) -> list[object]:
        return [
            checked["partnered"],
            checked["confirmed"],
            Rate(labels.share_of(checked["confirmed"], checked["partnered"])),
            checked["corrected"],
            *(checked[figure] for figure in RATING_FIGURES),
        ]

    for b in content["branches"]:
        _row(sheet, [b["name"], *cells(b["confirmations"])])
    committee = {figure: values["current"] for figure, values in content["confirmations"].items()}
    _row(sheet, [_("Whole committee"), *cells(committee)], font=TOTAL_FONT)


# --- One sheet per topic ----------------------------------------------------------------------


def _activities(workbook: Workbook, content: dict) -> None:
    separator = list_separator()
    widths = (12, 36, 24, 24, 10, 14, 28, 20, 10, 10, 10, 10, 12, 22, 16)
    headers = list(
        zip([*labels.activity_headers(), *labels.confirmation_headers()], widths, strict=True)
    )
    rows = (
        [
            _date(a["date"]),
            *labels.activity_cells(a, separator)[1:],
            *labels.confirmation_cells(a),
        ]
        for a in content["activities"]
    )
    _raw_sheet(workbook, _("Activities"), headers, rows)


def _coverage(workbook: Workbook, content: dict) -> None:
    coverage = content["coverage"]
    headers = [
        (_("Branch"), 28),
        *[(f"{c['code']} {c['title']}", 14) for c in coverage["columns"]],
        (_("Not covered"), 20),
    ]
    separator = list_separator()
    rows = [
        [row["branch"], *row["counts"], separator.join(row["gaps"])] for row in coverage["rows"]
    ]
    fills = [
        [None, *(None if count else GAP_FILL for count in row["counts"]), None]
        for row in coverage["rows"]
    ]
    _raw_sheet(workbook, _("Coverage"), headers, rows, fills=fills)


def _partners(workbook: Workbook, content: dict) -> None:
    headers = [
        (_("Partner organisation"), 30),
        (capfirst(_("kind")), 14),
        (_("Joint activities this period"), 14),
        (_("Confirmed"), 10),
        (_("Corrections asked"), 10),
        *[(label, 10) for label in labels.rating_labels()],
        (_("Last joint activity"), 14),
        (_("Agreement ends"), 14),
        (_("Quiet"), 8),
    ]
    rows = (
        [
            p["name"],
            p["kind"],
            p["in_period"],
            p.get("confirmed"),
            p.get("corrected"),
            *(p.get(figure) for figure in RATING_FIGURES),
            _date(p["last_activity_date"]),
            _date(p["agreement_ends_on"]),
            _("Yes") if p["is_quiet"] else _("No"),
        ]
        for p in content["partners"]
    )
    _raw_sheet(workbook, _("Partner engagement"), headers, rows)


def _honours(workbook: Workbook, content: dict) -> None:
    headers = [
        (capfirst(pgettext("honour", "title")), 36),
        (capfirst(_("level")), 10),
        (capfirst(_("awarded by")), 24),
        (capfirst(_("awarded on")), 12),
        (_("Awarded to"), 26),
    ]
    rows = (
        [h["title"], h["level"], h["awarding_body"], _date(h["awarded_on"]), h["branch"]]
        for h in content["honours"]
    )
    _raw_sheet(workbook, _("Honours"), headers, rows)


def _participation(workbook: Workbook, content: dict) -> None:
    headers = [
        (_("Branch"), 28),
        *[(label, 16) for label in labels.comparison_headers(content)],
        (_("Members"), 12),
        (_("Members attended"), 12),
        (_("Participation"), 12),
        (_("Participation, previous period"), 14),
    ]
    rows = (
        [
            b["name"],
            *_three(b["activities"]),
            b["members_active"],
            b["members_attended"],
            Rate(b["participation"]),
            Rate(b["participation_previous"]),
        ]
        for b in content["branches"]
    )
    _raw_sheet(workbook, _("Participation by branch"), headers, rows)


def render_xlsx(content: dict) -> bytes:
    """The report ``content`` as an .xlsx file, labels in the active language.

    Written in openpyxl's write-only mode, like the activity ledger: a yearly report of a large
    committee streams its rows instead of holding every cell in memory.
    """
    workbook = Workbook(write_only=True)
    for part in (_summary, _activities, _coverage, _partners, _honours, _participation):
        part(workbook, content)
    return workbook_bytes(workbook)
