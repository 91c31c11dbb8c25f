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
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities import access, selectors, services
from activities.access import Organiser
from activities.forms import (
    FORM_TOKEN_FIELD,
    ActivityForm,
    attachment_rows,
    copied_values,
    default_times,
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
from activities.views.detail import prompt_partner_confirmation
from portal.core.ids import parse_id, parse_ids

#: The name of the button that saves and submits for review in one go.
SUBMIT_BUTTON = "submit_for_review"


# --- Pages --------------------------------------------------------------------------------


def _organiser_or_404(organisers: list[Organiser], key: str | None) -> Organiser | None:
    """The organiser ``key`` names among the user's (404 for any other); None when the user
    has several and named none. 403 for a user who logs activities for nobody."""
    if not organisers:
        raise PermissionDenied(_("You do not log activities for any branch."))
    if key is None:
        return organisers[0] if len(organisers) == 1 else None
    organiser = next((o for o in organisers if o.key == key), None)
    if organiser is None:
        raise Http404
    return organiser


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    """Log an activity: pick the organiser first when the user has several.

    GET ``?copy=<id>`` starts from one of the organiser's own activities (another's is a
    404); ``?measure=<id>`` presets the measure.
    """
    organisers = access.organisers_for(request.user)
    organiser = _organiser_or_404(organisers, request.GET.get("organiser"))
    if organiser is None:
        return render(
            request,
            "activities/organiser_choice.html",
            {"organisers": organisers, "measure": parse_id(request.GET.get("measure", ""))},
        )
    return _activity_form_page(request, organiser=organiser, activity=None)


@login_required
def member_search(request: HttpRequest) -> HttpResponse:
    """Members of the organiser's committee by name, as boxes to tick on the activity form
    (the form shows only the organising branches' members)."""
    organiser = _organiser_or_404(access.organisers_for(request.user), request.GET.get("organiser"))
    if organiser is None:
        raise Http404
    query = request.GET.get("q", "")
    members = selectors.member_search(request.user, organiser, query)
    return render(
        request,
        "activities/includes/member_search_results.html",
        {"members": members, "query": query.strip()},
    )


@login_required
@require_POST
def activity_autosave(request: HttpRequest, pk: int | None = None) -> JsonResponse:
    """Keep the form as a draft while the secretary fills it in (static/js/activity-form.js
    sends it every few seconds and when the page is hidden). A new form's first save makes
    the draft, found again by the form's token; later saves change it. Files are not sent
    here: they are saved with the form.
    """
    user = request.user
    if pk is None:
        organisers = access.organisers_for(user)
        organiser = _organiser_or_404(organisers, request.GET.get("organiser"))
        if organiser is None:
            raise Http404
        activity = selectors.activity_of_create_form(user, posted_form_token(request.POST))
    else:
        activity = access.get_activity_or_404(user, pk)
        if not access.is_organiser(user, activity):
            raise PermissionDenied(_("Only the organising branch changes this activity."))
        organiser = None
    data = request.POST.copy()
    if activity is not None:
        if not access.can_edit(user, activity):
            return JsonResponse({"saved": False, "message": _("This activity is locked.")})
        if pk is None:  # made by an earlier save of this form, which the page has not heard of
            data["version"] = str(activity.version)
        organiser = Organiser(committee=activity.committee, branch=activity.branch)
    form = ActivityForm(data, user=user, organiser=organiser, instance=activity)
    if not form.is_valid():
        missing = [str(form.fields[name].label) for name in form.errors if name in form.fields]
        return JsonResponse({"saved": False, "missing": missing})
    try:
        saved = _save(request, form, activity=activity, staged=[])
    except (services.ActivityConflict, services.FormAlreadySaved):
        return JsonResponse(
            {
                "saved": False,
                "message": _(
                    "This draft was changed elsewhere: it is no longer saved automatically. "
                    "Reload the page to see the saved version."
                ),
            },
            status=409,
        )
    except ValidationError:
        return JsonResponse({"saved": False})
    return JsonResponse(
        {
            "saved": True,
            "version": saved.version,
            "form_action": reverse("activities:edit", args=[saved.pk]),
            "autosave_url": reverse("activities:autosave", args=[saved.pk]),
            "at": timezone.localtime(saved.updated_at).strftime("%H:%M"),
        }
    )


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
    copied = None
    if activity is None and request.method == "GET" and "copy" in request.GET:
        copied = selectors.copy_source(user, organiser, parse_id(request.GET["copy"]))
        if copied is None:  # not one of the organiser's own activities
            raise Http404
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
        initial = _new_form_values(request, organiser, copied) if activity is None else None
        form = ActivityForm(user=user, organiser=organiser, instance=activity, initial=initial)

    ranking = selectors.partner_ranking(
        organiser, form.fields["partners"].queryset.values_list("pk", flat=True)
    )
    partners, other_partners = form.partner_boxes(ranking)
    context = {
        "form": form,
        "activity": activity,
        "stored_title": stored_title,
        "organiser": organiser,
        "attendee_groups": form.attendee_groups(),
        "partners": partners,
        "other_partners": other_partners,
        "other_partners_open": any(box.checked for box in other_partners),
        "copied": copied,
        "copy_sources": selectors.copy_sources(user, organiser) if activity is None else [],
        "optional_open": _optional_open(form),
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
        query = f"?organiser={organiser.key}"
        context["form_action"] = reverse("activities:create") + query
        context["autosave_url"] = reverse("activities:autosave_new") + query
    else:
        context["form_action"] = reverse("activities:edit", args=[activity.pk])
        context["autosave_url"] = reverse("activities:autosave", args=[activity.pk])
    context["member_search_url"] = reverse("activities:member_search") + (
        f"?organiser={organiser.key}"
    )
    return render(request, "activities/form.html", context)


#: The folded parts of the form: open when they hold a value or a mistake.
OPTIONAL_FIELDS = {
    "goals": ("goals",),
    "co_branches": ("co_branches",),
    "counts": ("external_participants", "volunteers", "beneficiaries"),
    "outcome": ("outcome",),
}


def _optional_open(form: ActivityForm) -> dict[str, bool]:
    def filled(name: str) -> bool:
        value = form[name].value()
        return (bool(value) and value not in ("0", 0)) or bool(form[name].errors)

    return {key: any(filled(n) for n in names) for key, names in OPTIONAL_FIELDS.items()}


def _new_form_values(
    request: HttpRequest, organiser: Organiser, copied: Activity | None
) -> dict[str, object]:
    """A new form's values: today's times and the organiser's usual place, then what a
    copied activity gives, then the measure the link names."""
    starts_at, ends_at = default_times()
    values: dict[str, object] = {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location": selectors.usual_location(request.user, organiser),
    }
    if copied is not None:
        values |= copied_values(copied)
    measure = parse_id(request.GET.get("measure"))
    if measure is not None:
        values["measure"] = measure
    return values


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
        prompt_partner_confirmation(request, activity)
    return redirect("activities:detail", pk=activity.pk)
