"""The activity page (what happened, its files, its timeline) and its review workflow.

Reading goes through ``access.get_activity_or_404`` (outsiders get a 404); every workflow move
goes through ``services.activity_transition``, which checks the user's right again under a row
lock. The page offers only the moves ``access.actions_for`` allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from activities import access, selectors, services
from activities.forms import attachment_rows
from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    TransitionError,
)
from branches.models import Member
from partnerships.models import PartnerOrganisation, Partnership, PartnershipStatus
from partnerships.selectors import PlanProgress, plan_progress
from portal.core.ids import parse_id

#: The workflow's URL slugs and the actions they stand for.
ACTION_BY_SLUG: dict[str, str] = {
    "submit": ActivityAction.SUBMITTED,
    "approve": ActivityAction.APPROVED,
    "return": ActivityAction.RETURNED,
    "reopen": ActivityAction.REOPENED,
}
SLUG_BY_ACTION: dict[str, str] = {action: slug for slug, action in ACTION_BY_SLUG.items()}

#: Actions that end the review with a note for the branch, shown as a banner on the page.
REVIEW_NOTES = frozenset({ActivityAction.RETURNED, ActivityAction.REOPENED})

#: After these, the reviewer goes on to the next activity waiting in their queue.
REVIEW_DECISIONS = frozenset({ActivityAction.APPROVED, ActivityAction.RETURNED})

#: What reviewers most often ask for when returning an activity: picked, they fill the comment
#: box (static/js/review-comments.js); without JavaScript the reviewer types.
RETURN_COMMENT_PHRASES = (
    gettext_lazy("Please add photos of the activity or its sign-in sheet."),
    gettext_lazy("Please add the partner organisations that took part."),
    gettext_lazy("The summary is too brief: please say what was done and with whom."),
    gettext_lazy("Please record who attended."),
    gettext_lazy("Please check the measure: the activity seems to belong to another one."),
    gettext_lazy("Please state the results: problems solved, people served."),
)


def _load_page_relations(activity: Activity) -> None:
    """Fetch everything the page shows in a fixed number of queries, whatever the row counts.

    Members are loaded without their phone numbers: the page never shows them.
    """
    prefetch_related_objects(
        [activity],
        Prefetch("co_branches"),
        Prefetch("goals"),
        Prefetch("partners", queryset=PartnerOrganisation.objects.order_by("name", "pk")),
        Prefetch(
            "attendees",
            # Grouped by branch on the page: the order keeps each branch's members together.
            queryset=Member.objects.select_related("branch")
            .defer("phone")
            .order_by("branch__sort_order", "branch__name", "branch_id", "name", "pk"),
        ),
        Prefetch("attachments"),
        # A partner's step names its contact and their unit (no login: no actor).
        Prefetch(
            "events", queryset=ActivityEvent.objects.select_related("actor", "contact__partner")
        ),
    )


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One activity as its organiser and its reviewers see it, with the moves they may make."""
    # The measure, the partnership (with its renewal) and the plan item fulfilled (with its
    # plan) come with the activity's row (no query of their own).
    activity = get_object_or_404(
        access.activities_for(request.user).select_related(
            "committee",
            "branch",
            "measure",
            "partnership__renewal",
            "plan_item__plan",
        ),
        pk=pk,
    )
    _load_page_relations(activity)

    attachments = list(activity.attachments.all())
    events = list(activity.events.all())
    review_note = None
    if activity.status == ActivityStatus.RETURNED:
        review_note = next((e for e in reversed(events) if e.action in REVIEW_NOTES), None)
    actions = [SLUG_BY_ACTION[a] for a in access.actions_for(request.user, activity)]
    # A reviewer shown no approve button because it is their own work is told why.
    own_work = (
        activity.status == ActivityStatus.SUBMITTED
        and access.can_review(request.user, activity)
        and access.four_eyes_forbid(request.user, activity, ActivityAction.APPROVED)
    )
    context = {
        "activity": activity,
        "attendees": list(activity.attendees.all()),
        "photos": [a for a in attachments if a.is_image],
        "documents": [a for a in attachments if not a.is_image],
        "events": events,
        "review_note": review_note,
        "actions": actions,
        "own_work": own_work,
        # The committee approves only what a partner has confirmed: say why instead of
        # offering an approval that can only be refused.
        "partner_gate": "approve" in actions and activity.awaits_partner_confirmation(),
        "comment_phrases": RETURN_COMMENT_PHRASES if "return" in actions else (),
        "can_edit": access.can_edit(request.user, activity),
        # Photos can be added from the activity page too, without opening the whole form.
        "upload_rows": attachment_rows() if access.can_edit(request.user, activity) else None,
        # The model refuses to submit an activity that has not taken place: say so up front
        # instead of offering a button that can only fail.
        "not_started": activity.starts_at > timezone.now(),
        "agreement": agreement_facts(activity),
    }
    return render(request, "activities/detail.html", context)


@dataclass(frozen=True)
class AgreementFacts:
    """What a reviewer reads of the agreement an activity serves: its state today (in force,
    ended, or renewed into a next term), whether the activity took place within its term,
    and the plan item it fulfils with its plan's progress."""

    status: PartnershipStatus
    renewal: Partnership | None
    within_term: bool
    progress: PlanProgress | None

    @property
    def status_label(self) -> str:
        return self.status.label


def agreement_facts(activity: Activity) -> AgreementFacts | None:
    """``activity``'s agreement facts (its partnership, its renewal and its plan item come with
    the row); the plan's progress is one query, only for an activity that fulfils an item."""
    partnership = activity.partnership
    if partnership is None:
        return None
    try:
        renewal = partnership.renewal
    except ObjectDoesNotExist:
        renewal = None
    day = timezone.localdate(activity.starts_at)
    return AgreementFacts(
        status=partnership.status,
        renewal=renewal,
        within_term=partnership.status_on(day) == PartnershipStatus.ACTIVE,
        progress=plan_progress(activity.plan_item.plan) if activity.plan_item_id else None,
    )


def prompt_partner_confirmation(request: HttpRequest, activity: Activity) -> None:
    """Just submitted by its organiser: an activity with partner units can now be confirmed
    by them (portal.partners); the page's section "共建单位确认" has the button."""
    if activity.partners.exists():
        messages.info(
            request,
            _(
                "Next, ask the partner organisations to confirm the record, under “Partner "
                "confirmation” below."
            ),
        )


def _success_message(action: str, activity: Activity) -> str:
    title = {"title": activity.title}
    return {
        ActivityAction.SUBMITTED: _("Submitted for review."),
        ActivityAction.APPROVED: _("“%(title)s” was approved.") % title,
        ActivityAction.RETURNED: _("“%(title)s” was returned to the organiser with your comment.")
        % title,
        ActivityAction.REOPENED: _("Reopened: the organiser can change it again."),
    }[action]


def _opened_version(request: HttpRequest) -> int | None:
    """The activity's version the page was opened at; None when the form did not say."""
    raw = request.POST.get("version")
    if raw is None:
        return None
    version = parse_id(raw)
    return version if version is not None and version < 10**9 else -1


@login_required
@require_POST
def activity_transition(request: HttpRequest, pk: int, action: str) -> HttpResponseRedirect:
    """Submit, approve, return or reopen, then back to the activity page with a message; after
    approving or returning, on to the next activity in the reviewer's queue instead.

    A user without the right gets 403; a reviewer approving or returning their own work, a
    move the status does not allow, a missing reason or a page opened before the activity last
    changed gets a message, and nothing is written.
    """
    try:
        workflow_action = ACTION_BY_SLUG[action]
    except KeyError:
        raise Http404 from None
    activity = access.get_activity_or_404(request.user, pk)
    detail = redirect("activities:detail", pk=activity.pk)

    try:
        services.activity_transition(
            activity,
            action=workflow_action,
            by=request.user,
            comment=request.POST.get("comment", ""),
            expected_version=_opened_version(request),
        )
    except services.FourEyesRefusal as exc:
        messages.error(request, str(exc))
        return detail
    except services.ActivityConflict:
        messages.error(
            request,
            _(
                "This activity changed after you opened the page, so nothing was done. "
                "Please read the current version below and try again."
            ),
        )
        return detail
    except TransitionError as exc:
        messages.error(request, " ".join(exc.messages))
        return detail
    messages.success(request, _success_message(workflow_action, activity))
    if workflow_action == ActivityAction.SUBMITTED:
        prompt_partner_confirmation(request, activity)
    if workflow_action in REVIEW_DECISIONS:
        return _next_in_queue(request)
    return detail


def _next_in_queue(request: HttpRequest) -> HttpResponseRedirect:
    """On to the next activity waiting for this reviewer; back to the queue when none is."""
    following = selectors.next_to_review(request.user)
    if following is None:
        messages.info(request, _("Nothing else is waiting for your review."))
        return redirect("activities:review_queue")
    messages.info(
        request,
        _("Next in your review queue: “%(title)s”.") % {"title": following.title},
    )
    return redirect("activities:detail", pk=following.pk)
