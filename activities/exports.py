"""The activity ledger 台账 as an Excel workbook, laid out to be printed and filed.

A title row (whose ledger: the committee or the branch), a line with the period, the export
date and which statuses it holds, then one row per activity under a header row: 序号, the
facts, the summary 活动概况, the attending members by name, the partner units and the evidence
files by name. Printed on A4 landscape, fitted to the page width, the header row repeated on
every page.

Headers are translated strings (Chinese when the UI is Chinese). Cells are written through
``portal.core.spreadsheets.sheet_cell``: text always as text, so a title such as ``=HYPERLINK(…)``
stays a title and never becomes a formula, and control characters that Excel refuses (pasted from
Word) are dropped.
"""

from __future__ import annotations

import datetime as dt
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
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from activities.models import Activity, ActivityStatus, AttachmentKind
from activities.selectors import Confirmation, told_confirmation
from portal.core.periods import Period
from portal.core.spreadsheets import sheet_cell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Rows above the header: the title and the line under it.
TITLE_ROWS = 2


def list_separator() -> str:
    """Between names in one cell: "、" in Chinese, ", " in English."""
    return pgettext("list separator", ", ")


def field_label(name: str) -> str:
    return capfirst(str(Activity._meta.get_field(name).verbose_name))


def organiser_name(activity: Activity) -> str:
    return activity.branch.name if activity.branch_id else activity.committee.name


def evidence_names(activity: Activity) -> str:
    """The activity's files by kind and name, e.g. "照片：会场.jpg、合影.jpg；签到表：签到.pdf"
    (from its prefetched attachments)."""
    by_kind: dict[str, list[str]] = {}
    for attachment in activity.attachments.all():
        name = attachment.original_name or attachment.file.name.rsplit("/", 1)[-1]
        by_kind.setdefault(attachment.kind, []).append(name)
    parts = [
        _("%(kind)s: %(names)s")
        % {"kind": AttachmentKind(kind).label, "names": list_separator().join(names)}
        for kind, names in by_kind.items()
    ]
    return pgettext("list of lists separator", "; ").join(parts)


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


def partner_check_label(activity: Activity) -> str:
    """The partner units' confirmation (未邀请, 待确认, 已确认 …); empty for an activity
    without partners (prefetched), which has nobody to confirm it."""
    return activity.get_partner_check_display() if activity.partners.all() else ""


def _told(activity: Activity) -> Confirmation | None:
    """The confirmation the row tells (``selectors.told_confirmation``; the rows come from
    ``selectors.activity_ledger``), for an activity with partners."""
    return told_confirmation(activity) if activity.partners.all() else None


def confirmed_by(activity: Activity) -> str:
    """ "张三（春江街道）": the contact and unit that confirmed the record."""
    confirmation = _told(activity)
    if confirmation is None:
        return ""
    return _("%(contact)s (%(partner)s)") % {
        "contact": confirmation.contact,
        "partner": confirmation.partner,
    }


def confirmed_at(activity: Activity) -> dt.datetime | None:
    confirmation = _told(activity)
    return _local(confirmation.at) if confirmation else None


#: The columns after 序号 (which counts the rows as they are written).
COLUMNS = [
    Column(lambda: field_label("starts_at"), lambda a: _local(a.starts_at), 16),
    Column(lambda: field_label("ends_at"), lambda a: _local(a.ends_at), 16),
    Column(lambda: field_label("title"), lambda a: a.title, 28, wrap=True),
    Column(lambda: _("Organiser"), organiser_name, 18, wrap=True),
    Column(lambda: field_label("co_branches"), lambda a: _names(a.co_branches.all()), 16, True),
    Column(lambda: field_label("measure"), lambda a: str(a.measure), 14, wrap=True),
    Column(lambda: field_label("goals"), lambda a: _names(a.goals.all()), 18, wrap=True),
    Column(lambda: field_label("kind"), lambda a: a.get_kind_display(), 12, wrap=True),
    Column(lambda: field_label("location"), lambda a: a.location, 16, wrap=True),
    Column(lambda: field_label("partners"), lambda a: _names(a.partners.all()), 24, wrap=True),
    Column(lambda: field_label("partnership"), lambda a: str(a.partnership or ""), 18, True),
    Column(lambda: field_label("attendees"), lambda a: _names(a.attendees.all()), 24, wrap=True),
    Column(lambda: _("Number of members attending"), lambda a: a.attendee_count, 8),
    Column(lambda: field_label("external_participants"), lambda a: a.external_participants, 8),
    Column(lambda: field_label("volunteers"), lambda a: a.volunteers, 8),
    Column(lambda: field_label("beneficiaries"), lambda a: a.beneficiaries, 8),
    Column(lambda: field_label("summary"), lambda a: a.summary, 44, wrap=True),
    Column(lambda: field_label("outcome"), lambda a: a.outcome, 32, wrap=True),
    Column(lambda: _("Evidence"), evidence_names, 28, wrap=True),
    Column(lambda: field_label("status"), lambda a: a.get_status_display(), 8),
    Column(lambda: _("Partner confirmation"), partner_check_label, 10, wrap=True),
    Column(lambda: _("Confirmed by"), confirmed_by, 20, wrap=True),
    Column(lambda: _("Confirmed at"), confirmed_at, 16),
]
NUMBER_WIDTH = 6


@dataclass(frozen=True)
class LedgerHeading:
    """What the title rows and the file name say about the ledger.

    ``owner``: the committee or branch whose ledger it is; ``period``: the period's label
    ("2026年第4季度", "全部时间"); ``statuses``: which statuses the rows have ("仅含已审核活动").
    """

    owner: str
    period: str
    statuses: str
    exported_on: dt.date

    @property
    def title(self) -> str:
        return _("%(owner)s joint activity ledger") % {"owner": self.owner}

    @property
    def subtitle(self) -> str:
        return _("Period: %(period)s　Exported on: %(date)s　Rows: %(statuses)s") % {
            "period": self.period,
            "date": self.exported_on.isoformat(),
            "statuses": self.statuses,
        }

    @property
    def file_name(self) -> str:
        """e.g. 联建活动台账-杭州项目公司党支部-2026年第4季度.xlsx"""
        return _("Joint activity ledger-%(owner)s-%(period)s.xlsx") % {
            "owner": self.owner,
            "period": self.period,
        }

    @property
    def ascii_file_name(self) -> str:
        """For clients that read only the ASCII ``filename``."""
        return f"activity-ledger-{self.exported_on:%Y%m%d}.xlsx"


#: The export's query parameter that asks for every status, not only approved activities.
ALL_STATUSES_PARAM = "statuses"
ALL_STATUSES_VALUE = "all"


def ledger_period_label(cleaned: dict, period_of_preset: Callable[[str], Period]) -> str:
    """The period the list's filters chose (``cleaned``: the filter form's cleaned data)."""
    preset = cleaned.get("period")
    if preset and preset != "custom":
        return period_of_preset(preset).label
    start, end = cleaned.get("date_from"), cleaned.get("date_to")
    if start and end:
        return Period.custom(start, end).label
    if start:
        return _("from %(date)s") % {"date": start.isoformat()}
    if end:
        return _("until %(date)s") % {"date": end.isoformat()}
    return _("all time")


def ledger_heading(
    *,
    cleaned: dict,
    period_of_preset: Callable[[str], Period],
    committees: list[str],
    only_branch: str | None,
    all_statuses: bool,
    today: dt.date,
) -> LedgerHeading:
    """The ledger's heading from the list's filters: the branch chosen (or the one branch a
    secretary keeps, ``only_branch``), else the committee(s); the period chosen; the status
    chosen, every status when asked for, else approved activities only."""
    branch = cleaned.get("branch")
    committee = cleaned.get("committee")
    if branch is not None:
        owner = branch.name
    elif only_branch:
        owner = only_branch
    elif committee is not None:
        owner = committee.name
    else:
        owner = list_separator().join(committees)
    status = cleaned.get("status")
    if status:
        statuses = ActivityStatus(status).label
    elif all_statuses:
        statuses = _("every status")
    else:
        statuses = _("approved activities only")
    return LedgerHeading(
        owner=owner,
        period=ledger_period_label(cleaned, period_of_preset),
        statuses=str(statuses),
        exported_on=today,
    )


def _page_setup(sheet, last_column: str) -> None:
    """A4 landscape, every column on the page's width (as many pages down as it takes), the
    header row on top of every page, and the title rows repeated with it."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    header_row = TITLE_ROWS + 1
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddFooter.center.text = _("Page &P of &N")


def activity_ledger_workbook(activities: Iterable[Activity], heading: LedgerHeading) -> Workbook:
    """The ledger of ``activities`` (rows from ``selectors.activity_ledger``).

    Written in openpyxl's write-only mode: rows go out as they come, so a large export does
    not hold every cell in memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Ledger")[:31])
    widths = [NUMBER_WIDTH, *(column.width for column in COLUMNS)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last_column = get_column_letter(len(widths))
    header_row = TITLE_ROWS + 1
    sheet.freeze_panes = f"C{header_row + 1}"  # the header, 序号 and the start stay in view
    _page_setup(sheet, last_column)

    sheet.append(
        [
            sheet_cell(
                sheet,
                heading.title,
                font=Font(bold=True, size=16),
                alignment=Alignment(horizontal="center", vertical="center"),
            )
        ]
    )
    sheet.append([sheet_cell(sheet, heading.subtitle, alignment=Alignment(horizontal="left"))])
    sheet.merged_cells.add(f"A1:{last_column}1")
    sheet.merged_cells.add(f"A2:{last_column}2")
    sheet.row_dimensions[1].height = 28

    header_style = {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="FBEEEE"),
        "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
    }
    headers = [_("No."), *(column.header() for column in COLUMNS)]
    sheet.append([sheet_cell(sheet, header, **header_style) for header in headers])
    wrapped = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    rows = 0
    for activity in activities:
        rows += 1
        sheet.append(
            [
                sheet_cell(sheet, rows, alignment=top),
                *(
                    sheet_cell(
                        sheet, column.value(activity), alignment=wrapped if column.wrap else top
                    )
                    for column in COLUMNS
                ),
            ]
        )
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + rows}"
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
