"""Words around the figures of the Word document and the Excel workbook.

Both files are rendered from the same content dict (``portal.reports.content``) and say the same
things in the same words; the labels are translated when the file is rendered (Chinese: the
reports go up to the committee's superiors), the names inside the content are stored as they
were.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from activities.models import PartnerCheck
from portal.dashboards.formatting import percent, signed
from portal.dashboards.selectors import RATING_FIGURES, WINDOWS, Compared
from portal.partners.models import Rating
from portal.reports.content import HEADLINE_LABELS


def title(content: dict) -> str:
    return _("Progress report: %(period)s") % {"period": content["period"]["label"]}


def headline_label(key: str) -> str:
    return str(HEADLINE_LABELS[key])


def this_period(content: dict) -> str:
    """A column header: "This period", the period's name on the next line."""
    return f"{_('This period')}\n{content['period']['label']}"


def previous(content: dict) -> str:
    """ "Previous period" (环比 compares with it), the period's name on the next line."""
    return f"{_('Previous period')}\n{content['period']['previous_label']}"


def year_ago(content: dict) -> str:
    """ "A year earlier" (同比 compares with it), the period's name on the next line."""
    return f"{_('A year earlier')}\n{content['period']['year_ago_label']}"


def comparison_headers(content: dict) -> list[str]:
    return [this_period(content), previous(content), year_ago(content)]


def percentage_points() -> str:
    return pgettext("percentage points", "pp")


def backlog_note(content: dict) -> str:
    """The review backlog when the report was generated, in the page's words."""
    return (
        _(
            "Only approved activities are counted, by their local start date. When the report was "
            "generated, %(waiting)s submitted activities were waiting for review, %(over_week)s of "
            "them for over 7 days."
        )
        % content["backlog"]
    )


def gaps_note(content: dict) -> str:
    gaps = content["coverage"]["gap_count"]
    return ngettext(
        "%(gaps)s gap: a branch that held no approved activity under a measure this period "
        "(marked below).",
        "%(gaps)s gaps: a branch that held no approved activity under a measure this period "
        "(marked below).",
        gaps,
    ) % {"gaps": gaps}


def compared(figures: dict, *, is_rate: bool = False) -> Compared:
    """A ``{current, previous, year_ago}`` of the content as the dashboards' ``Compared``, whose
    changes (环比, 同比) are the ones the dashboards and the page show."""
    return Compared(figures["current"], figures["previous"], figures["year_ago"], is_rate=is_rate)


def change(figures: Compared, *, against: str) -> str:
    """ "+3 (+300%)" for a count; "+50 pp" for a rate (percentage points); "—" without one."""
    difference = figures.vs_previous if against == "previous" else figures.vs_year_ago
    text = signed(difference)
    if figures.is_rate and difference is not None:
        text = f"{text} {percentage_points()}"
    return text


def rate(value: float | None) -> str:
    """0.6667 -> "66.7%"; nobody active -> "—"."""
    return percent(value)


def gap_mark() -> str:
    return _("Gap")


def activity_headers() -> list[str]:
    """The columns of the list of approved activities, in the Word table and the workbook."""
    return [
        _("Date"),
        _("Activity"),
        _("Organiser"),
        _("Co-organisers"),
        _("Measure"),
        _("Goals"),
        _("Partner organisations"),
        _("Location"),
        _("Members attended"),
        _("Volunteers"),
        headline_label("beneficiaries"),
        _("External participants"),
    ]


def activity_cells(activity: dict, separator: str) -> list:
    """One activity of ``content["activities"]`` as the cells under ``activity_headers``."""
    a = activity
    return [
        a["date"],
        a["title"],
        a["organiser"],
        separator.join(a["co_branches"]),
        a["measure"],
        separator.join(a["goals"]),
        separator.join(a["partners"]),
        a["location"],
        a["attendees"],
        a["volunteers"],
        a["beneficiaries"],
        a["external_participants"],
    ]


# --- The partner units' confirmation (content version 2) ------------------------------------


def rating_labels() -> list[str]:
    """满意, 基本满意, 不满意: the columns of the evaluations, in ``RATING_FIGURES`` order."""
    return [str(Rating(figure).label) for figure in RATING_FIGURES]


def partner_check_label(code: str) -> str:
    """The confirmation state of an activity row ("" for one without partners)."""
    return str(PartnerCheck(code).label) if code else ""


def confirmed_by(activity: dict) -> str:
    """ "张三（春江街道）" for an activity row whose confirmation is told, else ""."""
    by = activity.get("confirmed_by")
    if not by:
        return ""
    return _("%(contact)s (%(partner)s)") % {"contact": by["contact"], "partner": by["partner"]}


def confirmation_text(activity: dict) -> str:
    """An activity row's confirmation in one cell: "已确认：张三（春江街道），2024-05-12 10:30",
    the state alone ("待确认") when nobody's confirmation is told, "" without partners."""
    state = partner_check_label(activity.get("partner_check") or "")
    who = confirmed_by(activity)
    if not who:
        return state
    return _("%(state)s: %(who)s, %(when)s") % {
        "state": state,
        "who": who,
        "when": activity["confirmed_at"],
    }


def confirmation_headers() -> list[str]:
    """The workbook's three columns of an activity's confirmation."""
    return [_("Partner confirmation"), _("Confirmed by"), _("Confirmed at")]


def confirmation_cells(activity: dict) -> list[str]:
    return [
        partner_check_label(activity.get("partner_check") or ""),
        confirmed_by(activity),
        activity.get("confirmed_at") or "",
    ]


def confirmation_note() -> str:
    """What the confirmed share counts, in the page's words."""
    return _(
        "Confirmed by partners: of the approved activities with partner organisations, those "
        "a partner has confirmed as they stand. Corrections asked: those on which a partner "
        "asked for a correction. Evaluations: each contact's latest."
    )


def confirmed_share(confirmations: dict) -> Compared:
    """The confirmed share of the content's ``confirmations`` (each figure ``{current,
    previous, year_ago}``) as a ``Compared`` rate: confirmed ÷ with partners, per window."""

    def share(window: str) -> float | None:
        partnered = confirmations["partnered"].get(window)
        return (confirmations["confirmed"].get(window) or 0) / partnered if partnered else None

    return Compared(*(share(window) for window in WINDOWS), is_rate=True)


def share_of(confirmed: int, partnered: int) -> float | None:
    return confirmed / partnered if partnered else None


def evaluations_text(figures: dict) -> str:
    """ "满意 1 · 基本满意 1 · 不满意 0" of a partner's (or branch's) current figures."""
    return " · ".join(
        f"{label} {figures.get(figure) or 0}"
        for label, figure in zip(rating_labels(), RATING_FIGURES, strict=True)
    )
