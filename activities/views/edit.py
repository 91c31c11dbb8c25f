"""Logging and changing an activity, and adding or removing its files.

Every write goes through ``activities.services``; who may do what is ``activities.access``'s.
Files are checked (and kept as staged uploads) before the form itself is validated, so a form
sent back with a mistake never asks the secretary to pick the photos again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities import access, selectors, services
from activities.access import Organiser
from activities.forms import (
    FORM_TOKEN_FIELD,
    ActivityForm,
    attachment_rows,
    picked_files,
    posted_form_token,
)
from activities.models import (
    Activity,
    ActivityAction,
    ActivityStatus,
    StagedUpload,
    TransitionError,
)
from activities.uploads import CheckingClock, max_file_bytes, max_files_per_request
from portal.core.ids import parse_id, parse_ids

#: The name of the button that saves and submits for review in one go.
SUBMIT_BUTTON = "submit_for_review"


# --- Pages --------------------------------------------------------------------------------


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    """Log an activity: pick the organiser first when the user has several."""
    organisers = access.organisers_for(request.user)
    if not organisers:
        raise PermissionDenied(_("You do not log activities for any branch."))
    key = request.GET.get("organiser")
    if key is None:
        if len(organisers) > 1:
            return render(
                request,
                "activities/organiser_choice.html",
                {"organisers": organisers, "measure": parse_id(request.GET.get("measure", ""))},
            )
        organiser = organisers[0]
    else:
        organiser = next((o for o in organisers if o.key == key), None)
        if organiser is None:
            raise Http404
    return _activity_form_page(request, organiser=organiser, activity=None)


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft or returned activity (its organiser only)."""
    activity = access.get_activity_or_404(request.user, pk)
    refusal = _edit_refusal(request, activity)
    if refusal is not None:
        return refusal
    organiser = Organiser(committee=activity.committee, branch=activity.branch)
    return _activity_form_page(request, organiser=organiser, activity=activity)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Add files to an activity its organiser may still change."""
    activity = access.get_activity_or_404(request.user, pk)
    refusal = _edit_refusal(request, activity)
    if refusal is not None:
        return refusal
    picked, row_errors = picked_files(attachment_rows(request.POST, request.FILES))
    for message in row_errors:
        messages.error(request, message)
    added = 0
    clock = CheckingClock()
    for item in picked:
        if not clock.has_time_for(item.upload):
            continue
        try:
            services.attachment_add(
                activity, by=request.user, upload=item.upload, kind=item.kind, caption=item.caption
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            added += 1
    if clock.late:
        messages.warning(request, clock.late_message())
    if added:
        messages.success(request, _("Files added: %(count)s.") % {"count": added})
    elif not picked and not row_errors:
        messages.info(request, _("No file was chosen."))
    if request.POST.get("back") == "detail":  # the activity page's "Add photos or files"
        return redirect("activities:detail", pk=activity.pk)
    return redirect("activities:edit", pk=activity.pk)


@login_required
@require_http_methods(["GET", "POST"])
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then remove one file of an activity its organiser may still change."""
    attachment = access.get_attachment_or_404(request.user, pk)
    activity = access.get_activity_or_404(request.user, attachment.activity_id)
    refusal = _edit_refusal(request, activity)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        services.attachment_delete(attachment, by=request.user)
        messages.success(request, _("“%(name)s” was removed.") % {"name": attachment})
        return redirect("activities:edit", pk=activity.pk)
    return render(
        request,
        "activities/attachment_confirm_delete.html",
        {"attachment": attachment, "activity": activity},
    )


# --- Shared -------------------------------------------------------------------------------


def _edit_refusal(request: HttpRequest, activity: Activity) -> HttpResponse | None:
    """403 for a reader who is not the organiser; back to the activity when it is locked."""
    if not access.is_organiser(request.user, activity):
        raise PermissionDenied(_("Only the organising branch changes this activity."))
    if activity.is_editable:
        return None
    if activity.status == ActivityStatus.SUBMITTED:
        message = _(
            "This activity is waiting for review and cannot be changed now. If it is returned "
            "to you, you can change it again."
        )
    else:
        message = _(
            "This activity has been approved and is locked. Committee staff can reopen it if "
            "something must be corrected."
        )
    messages.warning(request, message)
    return redirect("activities:detail", pk=activity.pk)


@dataclass
class StagedFiles:
    """The files of one form submission: kept from earlier tries, and the ones refused now."""

    kept: list[StagedUpload] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _stage_files(request: HttpRequest) -> StagedFiles:
    """Keep the files already accepted (minus those removed) and check the new ones."""
    user = request.user
    removed = set(parse_ids(request.POST.getlist("staged_remove")))
    for staged_id in removed:
        services.staged_upload_discard(user, staged_id)
    wanted = [i for i in parse_ids(request.POST.getlist("staged")) if i not in removed]
    result = StagedFiles(kept=services.staged_uploads_of(user, wanted))
    picked, result.errors = picked_files(attachment_rows(request.POST, request.FILES))
    clock = CheckingClock()
    for item in picked:
        if not clock.has_time_for(item.upload):
            continue
        try:
            result.kept.append(
                services.staged_upload_create(
                    owner=user, upload=item.upload, kind=item.kind, caption=item.caption
                )
            )
        except ValidationError as exc:
            result.errors.extend(exc.messages)
    if clock.late:
        result.errors.append(clock.late_message())
    return result


def _activity_form_page(
    request: HttpRequest, *, organiser: Organiser, activity: Activity | None
) -> HttpResponse:
    user = request.user
    stored_title = activity.title if activity else ""  # the form changes the instance it checks
    staged = StagedFiles()
    conflict = False
    if request.method == "POST":
        # A create form sent again lands on the activity it made, its files not kept twice.
        token = posted_form_token(request.POST) if activity is None else ""
        made = selectors.activity_of_create_form(user, token)
        if made is not None:
            return _already_saved(request, made)
        staged = _stage_files(request)
        form = ActivityForm(request.POST, user=user, organiser=organiser, instance=activity)
        if form.is_valid() and not staged.errors:
            try:
                saved = _save(request, form, activity=activity, staged=staged.kept)
            except services.FormAlreadySaved:
                # Sent at the same time as its twin, which saved it first.
                for item in staged.kept:
                    services.staged_upload_discard(user, item.pk)
                return _already_saved(request, selectors.activity_of_create_form(user, token))
            except services.ActivityConflict as exc:
                conflict = True
                form.add_error(None, exc)
            except ValidationError as exc:
                _show_service_errors(form, staged, exc)
            else:
                return _after_save(request, saved)
    else:
        # ``?measure=<id>``: "log one" for a measure the branch has not covered (the home page).
        preset = parse_id(request.GET.get("measure", "")) if activity is None else None
        initial = {"measure": preset} if preset is not None else None
        form = ActivityForm(user=user, organiser=organiser, instance=activity, initial=initial)

    attendees, other_attendees = form.attendee_groups()
    context = {
        "form": form,
        "activity": activity,
        "stored_title": stored_title,
        "organiser": organiser,
        "attendee_groups": attendees,
        "other_attendee_groups": other_attendees,
        "other_attendees_open": any(g.any_checked() for g in other_attendees),
        "selected_partners": form.selected_ids("partners"),
        "rows": attachment_rows(),
        "staged": staged.kept,
        "upload_errors": staged.errors,
        "attachments": list(activity.attachments.all()) if activity else [],
        "conflict": conflict,
        "submit_button": SUBMIT_BUTTON,
        "max_file_bytes": max_file_bytes(),
        "max_files_per_request": max_files_per_request(),
    }
    if activity is None:
        context["form_action"] = f"{reverse('activities:create')}?organiser={organiser.key}"
    else:
        context["form_action"] = reverse("activities:edit", args=[activity.pk])
    return render(request, "activities/form.html", context)


def _save(
    request: HttpRequest, form: ActivityForm, *, activity: Activity | None, staged
) -> Activity:
    values = form.scalar_values() | form.relation_values()
    if activity is None:
        return services.activity_create(
            created_by=request.user,
            committee=form.organiser.committee,
            branch=form.organiser.branch,
            staged=staged,
            form_token=form.cleaned_data[FORM_TOKEN_FIELD],
            **values,
        )
    return services.activity_update(
        activity,
        by=request.user,
        expected_version=form.cleaned_data["version"],
        staged=staged,
        **values,
    )


def _show_service_errors(form: ActivityForm, staged: StagedFiles, exc: ValidationError) -> None:
    """Put the services' refusals next to the fields they concern."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        if name == "attachments":
            staged.errors.extend(errors)
        elif name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, errors)


def _already_saved(request: HttpRequest, activity: Activity | None) -> HttpResponse:
    messages.info(
        request,
        _("This form was saved already (was it sent twice?): nothing was saved again."),
    )
    if activity is None:  # archived since, or no longer the user's to read
        return redirect("activities:list")
    return redirect("activities:detail", pk=activity.pk)


def _after_save(request: HttpRequest, activity: Activity) -> HttpResponse:
    if SUBMIT_BUTTON not in request.POST:
        messages.success(
            request, _("“%(title)s” was saved as a draft.") % {"title": activity.title}
        )
        return redirect("activities:detail", pk=activity.pk)
    try:
        services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=request.user)
    except (TransitionError, PermissionDenied) as exc:
        reason = " ".join(getattr(exc, "messages", None) or [str(exc)])
        messages.warning(
            request,
            _("“%(title)s” was saved as a draft but not submitted: %(reason)s")
            % {"title": activity.title, "reason": reason},
        )
    else:
        messages.success(
            request,
            _("“%(title)s” was saved and submitted for review.") % {"title": activity.title},
        )
    return redirect("activities:detail", pk=activity.pk)
