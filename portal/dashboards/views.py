"""The dashboards: committee overview, coverage matrices, trends, partner engagement, and a
branch's own dashboard.

Who sees what (decided with ``branches.access``):

* committee staff and admins open their committees' dashboards (a chooser when they have
  several, ``?committee=<id>``); a superuser any committee's; another committee → 404;
* a branch editor (secretary, 组织委员 …) who is not committee staff gets 403 on the committee
  pages and opens only the dashboard of a branch they currently hold a role in; another branch's
  dashboard → 404 (committee staff open every branch dashboard of their committees).

Every number comes from ``portal.dashboards.selectors``; views only resolve the committee, the
period (``portal.core.periods``: bad parameters give a message and this quarter) and the chart
data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from activities.models import ActivityStatus, PartnerCheck
from branches.access import reviewed, scope_for
from branches.models import Branch, Committee
from portal.core.ids import parse_id
from portal.core.periods import Period, PeriodKind, local_today, period_from_query
from portal.dashboards import selectors as dashboards
from portal.dashboards.formatting import ActivityLinks


def reviewed_committees(request: HttpRequest) -> tuple[Committee | None, list[Committee]]:
    """The committee asked for (default: the first by name) among those the user reviews.

    A user who reviews no committee gets 403; a committee outside the user's reach, 404.
    """
    scope = scope_for(request.user)
    if not scope.is_committee_staff:
        raise PermissionDenied
    committees = list(
        reviewed(Committee.objects.for_user(request.user), request.user, "pk").order_by("name")
    )
    raw = request.GET.get("committee", "").strip()
    if not raw:
        return (committees[0] if committees else None), committees
    committee_id = parse_id(raw)
    committee = next((c for c in committees if c.pk == committee_id), None)
    if committee is None:
        raise Http404
    return committee, committees


def _page_context(
    request: HttpRequest, committee: Committee | None, committees: list[Committee], tab: str
) -> dict[str, Any]:
    parsed = period_from_query(request.GET)
    period = parsed.period
    keep = {"committee": committee.pk} if committee and len(committees) > 1 else {}
    return {
        "committee": committee,
        "committees": committees,
        # The chooser's options, made once here (a superuser's hundred committees through the
        # template's loop cost more than some of the page's queries).
        "committee_options": format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option.pk, mark_safe(" selected") if option == committee else "", option.name)
                for option in committees
            ),
        )
        if len(committees) > 1
        else "",
        "period": period,
        "period_errors": parsed.errors,
        "period_kinds": PeriodKind.choices,
        "previous_period": period.previous(),
        "year_earlier": period.year_earlier(),
        "tab": tab,
        "keep": keep,
        "query": urlencode({**period.query(), **keep}),
        "previous_query": urlencode({**period.previous().query(), **keep}),
        "next_query": urlencode({**period.next().query(), **keep}),
    }


def _compared_series(figures: list[Any], context: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": str(context["period"]), "data": [f.activities.current for f in figures]},
        {"name": str(context["previous_period"]), "data": [f.activities.previous for f in figures]},
        {"name": str(context["year_earlier"]), "data": [f.activities.year_ago for f in figures]},
    ]


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


@dataclass(frozen=True)
class StatCard:
    """A headline card, shown by ``dashboards/includes/stat_card.html``."""

    label: str
    figure: dashboards.Compared
    rate: bool = False


def _branch_rows(
    rows: list[dashboards.BranchFigures], links: ActivityLinks, query: str
) -> list[tuple[dashboards.BranchFigures, str, str]]:
    """The branch table's rows with their two links: the branch's dashboard and its activities
    in the list."""
    # The dashboard's URL without its primary key: reversed once, not once per row.
    dashboard = reverse("dashboards:branch", args=[0])[: -len("0/")]
    return [
        (row, f"{dashboard}{row.branch.pk}/?{query}", links(branch=row.branch.pk)) for row in rows
    ]


@login_required
def committee_dashboard(request: HttpRequest) -> HttpResponse:
    """Headline figures with 环比/同比, by measure, goal and branch, participation, backlog."""
    committee, committees = reviewed_committees(request)
    context = _page_context(request, committee, committees, "overview")
    if committee is None:
        return render(request, "dashboards/committee.html", context)
    period = context["period"]
    overview = dashboards.committee_overview(committee, period)
    measures, branches, headline = overview.measures, overview.branches, overview.headline
    links = ActivityLinks(period)
    context.update(
        headline=headline,
        measures=measures,
        goals=overview.goals,
        branches=branches,
        participation=overview.participation,
        cards=[
            StatCard(_("Approved activities"), headline.approved),
            StatCard(_("Member participation"), overview.participation, rate=True),
            StatCard(_("Partners engaged"), headline.partners_engaged),
            StatCard(_("New partnerships"), headline.new_partnerships),
            StatCard(_("Volunteers"), headline.volunteers),
            StatCard(_("Beneficiaries"), headline.beneficiaries),
            StatCard(_("Honours"), headline.honours),
        ],
        # What the tables loop over, with their links built once here.
        measure_rows=[(row, links(measure=row.item)) for row in measures],
        goal_rows=[(row, links(goal=row.item)) for row in overview.goals],
        branch_rows=_branch_rows(branches, links, context["query"]),
        committee_link=links(),
        # The confirmed activities of each branch, and of the committee, in the list.
        confirmation_rows=[
            (row, links(branch=row.branch.pk, partner_check=PartnerCheck.CONFIRMED))
            for row in branches
        ],
        committee_confirmed_link=links(partner_check=PartnerCheck.CONFIRMED),
        today=local_today(),
        charts={
            "measures": {
                "kind": "bar",
                "categories": [f.item.code for f in measures],
                "labels": [f.item.title_display for f in measures],
                "series": _compared_series(measures, context),
            },
            "branches": {
                "kind": "hbar",
                "categories": [f.branch.short_name or f.branch.name for f in branches],
                "series": [
                    {
                        "name": _("Participation rate"),
                        "data": [_percent(f.participation.current) for f in branches],
                    }
                ],
                "unit": "%",
            },
        },
    )
    return render(request, "dashboards/committee.html", context)


@dataclass(frozen=True)
class LinkedRow:
    branch: Branch
    #: the row's ``<td>`` cells, escaped
    cells: SafeString
    total: int
    total_href: str


def _waiting_markup(
    row: dashboards.MatrixRow,
    column: object,
    waiting: dict[tuple[int, int], int] | None,
    waiting_links: ActivityLinks | None,
) -> str:
    """A cell's submissions waiting for review, faint and labelled beside the approved count
    (``""`` when the option is off or none wait)."""
    if not waiting or waiting_links is None:
        return ""
    n = waiting.get((row.branch.pk, column.pk), 0)
    if not n:
        return ""
    return format_html(
        '<a class="cell__waiting" href="{}" aria-label="{}">{}</a>',
        waiting_links(branch=row.branch.pk, measure=column.pk),
        _("%(branch)s · %(code)s: %(count)s waiting for review")
        % {"branch": row.branch.name, "code": column.code, "count": n},
        _("%(count)s waiting") % {"count": n},
    )


def _linked_matrix(
    matrix: dashboards.Matrix,
    links: ActivityLinks,
    kind: str,
    *,
    waiting: dict[tuple[int, int], int] | None = None,
    waiting_links: ActivityLinks | None = None,
) -> list[LinkedRow]:
    """The matrix's rows as the template shows them. The cells' markup — class, link, spoken
    label — is made here with ``format_html``: through the template engine, a few hundred cells
    of a big committee took longer than all the page's queries. ``waiting``: submissions waiting
    for review per (branch, column), shown beside the approved count, never added to it."""
    gap, gap_label = _("Gap"), _("gap")
    rows = []
    for row in matrix.rows:
        cells = []
        for cell in row.cells:
            column = cell.column
            label = f"{row.branch.name} · {column.code} {column.title_display}: {cell.count}"
            href = links(branch=row.branch.pk, **{kind: column.pk})
            beside = _waiting_markup(row, column, waiting, waiting_links)
            if cell.is_gap:
                cells.append(
                    format_html(
                        '<td class="matrix__cell cell--{} cell--gap"><a href="{}" aria-label="{}">'
                        '<span class="cell__gap">{}</span></a>{}</td>',
                        cell.level,
                        href,
                        f"{label} ({gap_label})",
                        gap,
                        beside,
                    )
                )
            else:
                cells.append(
                    format_html(
                        '<td class="matrix__cell cell--{}">'
                        '<a href="{}" aria-label="{}">{}</a>{}</td>',
                        cell.level,
                        href,
                        label,
                        cell.count,
                        beside,
                    )
                )
        cells_html = format_html_join("", "{}", ((html,) for html in cells))
        rows.append(LinkedRow(row.branch, cells_html, row.total, links(branch=row.branch.pk)))
    return rows


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """Branches × measures and branches × goals: counts, intensity, gaps, links to the list."""
    committee, committees = reviewed_committees(request)
    context = _page_context(request, committee, committees, "coverage")
    if committee is not None:
        period = context["period"]
        matrices = dashboards.coverage(committee, period)
        links = ActivityLinks(period)
        # "Show submissions waiting for review too": beside the approved counts, never in them.
        show_waiting = request.GET.get("waiting") == "1"
        waiting = dashboards.waiting_cells(committee, period) if show_waiting else None
        context.update(
            matrix=matrices.measures,
            goal_matrix=matrices.goals,
            show_waiting=show_waiting,
            # The period (and committee) the option's form keeps.
            waiting_form_params=sorted({**period.query(), **context["keep"]}.items()),
            measure_table=_linked_matrix(
                matrices.measures,
                links,
                "measure",
                waiting=waiting,
                waiting_links=ActivityLinks(period, ActivityStatus.SUBMITTED),
            ),
            goal_table=_linked_matrix(matrices.goals, links, "goal"),
        )
    return render(request, "dashboards/coverage.html", context)


@login_required
def trends(request: HttpRequest) -> HttpResponse:
    """The twelve months up to the end of the chosen period: activities per measure per month,
    and the participation rate per month."""
    committee, committees = reviewed_committees(request)
    context = _page_context(request, committee, committees, "trends")
    if committee is not None:
        period: Period = context["period"]
        ending = min(period.last_day, local_today())
        result = dashboards.trends(committee, ending)
        months = [m.start.strftime("%Y-%m") for m in result.months]
        context.update(
            trends=result,
            charts={
                "activities": {
                    "kind": "stack",
                    "categories": months,
                    "series": [
                        {"name": f"{t.measure.code} {t.measure.title_display}", "data": t.counts}
                        for t in result.measures
                    ],
                },
                "participation": {
                    "kind": "line",
                    "categories": months,
                    "series": [
                        {
                            "name": _("Participation rate"),
                            "data": [_percent(p.rate) for p in result.participation],
                        }
                    ],
                    "unit": "%",
                },
            },
        )
    return render(request, "dashboards/trends.html", context)


@login_required
def partners(request: HttpRequest) -> HttpResponse:
    """Every partner: last joint activity, activities in the period, partnerships; quiet
    partners and agreements about to end highlighted."""
    committee, committees = reviewed_committees(request)
    context = _page_context(request, committee, committees, "partners")
    if committee is not None:
        today = local_today()
        rows = dashboards.partner_engagement(committee, context["period"], today=today)
        context.update(
            partners=rows,
            quiet=[r for r in rows if r.is_quiet],
            ending=[r for r in rows if r.has_agreement_ending],
            quiet_days=dashboards.settings.PARTNER_QUIET_DAYS,
            ending_days=dashboards.AGREEMENT_ENDING_DAYS,
            today=today,
        )
    return render(request, "dashboards/partners.html", context)


def _dashboard_branch_or_404(request: HttpRequest, pk: int) -> Branch:
    """A branch whose dashboard the user may open: one they hold a role in, or any branch of a
    committee they review. Any other branch is a 404, as if it did not exist."""
    branch = get_object_or_404(
        Branch.objects.for_user(request.user).select_related("committee"), pk=pk
    )
    if not scope_for(request.user).follows_branch(branch.committee_id, pk):
        raise Http404
    return branch


@login_required
def my_branch(request: HttpRequest) -> HttpResponse:
    """Where the navigation's dashboard link leads a branch editor: their (first) branch."""
    scope = scope_for(request.user)
    branch = (
        Branch.objects.filter(pk__in=scope.editable_branch_ids)
        .order_by("committee__name", "sort_order", "name")
        .first()
    )
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    if branch is not None:
        return redirect(reverse("dashboards:branch", args=[branch.pk]) + query)
    if scope.is_committee_staff:
        return redirect(reverse("dashboards:committee") + query)
    raise PermissionDenied


@login_required
def branch_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """A branch against its committee: activities, participation, gaps, idle members."""
    branch = _dashboard_branch_or_404(request, pk)
    scope = scope_for(request.user)
    parsed = period_from_query(request.GET)
    period = parsed.period
    board = dashboards.branch_dashboard(branch, period)
    own_branches: list[Branch] = []
    if len(scope.editable_branch_ids) > 1:
        own_branches = list(
            Branch.objects.filter(pk__in=scope.editable_branch_ids).order_by("sort_order", "name")
        )
    context = {
        "board": board,
        "branch": branch,
        "committee": branch.committee,
        "period": period,
        "period_errors": parsed.errors,
        "period_kinds": PeriodKind.choices,
        "previous_period": period.previous(),
        "year_earlier": period.year_earlier(),
        "keep": {},
        "query": urlencode(period.query()),
        "previous_query": urlencode(period.previous().query()),
        "next_query": urlencode(period.next().query()),
        "own_branches": own_branches,
        "reviews": scope.reviews_committee(branch.committee_id),
        "charts": {
            "versus": {
                "kind": "bar",
                "categories": [
                    str(period),
                    str(period.previous()),
                    str(period.year_earlier()),
                ],
                "series": [
                    {
                        "name": branch.short_name or branch.name,
                        "data": [
                            board.own.activities.current,
                            board.own.activities.previous,
                            board.own.activities.year_ago,
                        ],
                    },
                    {
                        "name": _("Committee average per branch"),
                        "data": [
                            round(v, 1) if v is not None else None
                            for v in (
                                board.committee_average.current,
                                board.committee_average.previous,
                                board.committee_average.year_ago,
                            )
                        ],
                    },
                ],
            }
        },
    }
    return render(request, "dashboards/branch.html", context)
