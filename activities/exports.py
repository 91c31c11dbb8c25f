"""The activity ledger 台账 as an Excel workbook: one row per activity.

Headers are translated strings (Chinese when the UI is Chinese). Cells are written through
``portal.core.spreadsheets.sheet_cell``: text always as text, so a title such as ``=HYPERLINK(…)``
stays a title and never becomes a formula, and control characters that Excel refuses (pasted from
Word) are dropped.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from activities.models import Activity
from portal.core.spreadsheets import sheet_cell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def list_separator() -> str:
    """Between names in one cell: "、" in Chinese, ", " in English."""
    return pgettext("list separator", ", ")


def field_label(name: str) -> str:
    return capfirst(str(Activity._meta.get_field(name).verbose_name))


def organiser_name(activity: Activity) -> str:
    return activity.branch.name if activity.branch_id else activity.committee.name


@dataclass(frozen=True)
class Column:
    header: Callable[[], str]
    value: Callable[[Activity], object]
    width: int
    wrap: bool = False


def _names(items: Iterable[object]) -> str:
    return list_separator().join(str(item) for item in items)


def _local(moment) -> object:
    # Excel has no time zones: write the local wall-clock time the secretary typed.
    return timezone.localtime(moment).replace(tzinfo=None)


COLUMNS = [
    Column(lambda: field_label("starts_at"), lambda a: _local(a.starts_at), 17),
    Column(lambda: field_label("ends_at"), lambda a: _local(a.ends_at), 17),
    Column(lambda: field_label("title"), lambda a: a.title, 36, wrap=True),
    Column(lambda: _("Organiser"), organiser_name, 26, wrap=True),
    Column(lambda: field_label("co_branches"), lambda a: _names(a.co_branches.all()), 26, True),
    Column(lambda: field_label("measure"), lambda a: str(a.measure), 20),
    Column(lambda: field_label("goals"), lambda a: _names(a.goals.all()), 30, wrap=True),
    Column(lambda: field_label("partners"), lambda a: _names(a.partners.all()), 30, wrap=True),
    Column(lambda: field_label("partnership"), lambda a: str(a.partnership or ""), 24, True),
    Column(lambda: field_label("kind"), lambda a: a.get_kind_display(), 16),
    Column(lambda: field_label("location"), lambda a: a.location, 22, wrap=True),
    Column(lambda: field_label("attendees"), lambda a: a.attendee_count, 10),
    Column(lambda: field_label("external_participants"), lambda a: a.external_participants, 10),
    Column(lambda: field_label("volunteers"), lambda a: a.volunteers, 10),
    Column(lambda: field_label("beneficiaries"), lambda a: a.beneficiaries, 10),
    Column(lambda: field_label("outcome"), lambda a: a.outcome, 48, wrap=True),
    Column(lambda: field_label("status"), lambda a: a.get_status_display(), 10),
]


def activity_ledger_workbook(activities: Iterable[Activity]) -> Workbook:
    """The ledger of ``activities`` (rows from ``selectors.activity_ledger``).

    Written in openpyxl's write-only mode: rows go out as they come, so a large export does
    not hold every cell in memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Ledger")[:31])
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header_style = {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="FBEEEE"),
        "alignment": Alignment(vertical="center", wrap_text=True),
    }
    sheet.append([sheet_cell(sheet, column.header(), **header_style) for column in COLUMNS])
    wrapped = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    rows = 1
    for activity in activities:
        sheet.append(
            [
                sheet_cell(sheet, column.value(activity), alignment=wrapped if column.wrap else top)
                for column in COLUMNS
            ]
        )
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows}"
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
