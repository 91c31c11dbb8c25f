"""The organisers' side of an on-site sign-in, beside the activity (``activities/<pk>/signin/``):
open it and show the QR code at the venue, follow who signs in, close or reopen it, print the
door poster, add people by hand and remove wrong entries.

Access: the activity's readers who may not hold its sign-in get a 403; those who cannot read it,
a 404 (as for the activity itself). Holding: ``services.may_hold_signin``; changing needs the
activity not yet submitted (``services.signin_changeable``), checked again by the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import access
from activities.models import Activity
from branches.models import Member
from portal.core.ids import parse_id
from portal.core.qr import qr_code_svg
from portal.signin import selectors, services, tokens
from portal.signin.forms import GuestForm, MemberSearchForm
from portal.signin.models import SheetState, SignInEntry, SignInSheet


def _activity(request: HttpRequest, pk: int) -> Activity:
    activity = access.get_activity_or_404(request.user, pk)
    if not services.may_hold_signin(request.user, activity):
        raise PermissionDenied(_("You may not hold this activity's sign-in."))
    return activity


def _sheet(request: HttpRequest, pk: int) -> SignInSheet:
    activity = _activity(request, pk)
    sheet = selectors.sheet_of(activity)
    if sheet is None:
        raise Http404
    return sheet


def _back(activity: Activity) -> HttpResponse:
    return redirect("signin:sheet", pk=activity.pk)


def _live_code(request: HttpRequest, sheet: SignInSheet) -> dict:
    """What the venue's screen shows this minute: the QR code of the scan URL, the code."""
    window = tokens.window_at()
    url = request.build_absolute_uri(
        reverse("signin:scan", kwargs={"token": tokens.scan_token(sheet, window)})
    )
    return {
        "window": window,
        "url": url,
        "qr": qr_code_svg(url, title=_("QR code of the sign-in")),
        "code": tokens.short_code(sheet, window),
    }


@never_cache
@login_required
@require_GET
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-in page: open one (no sheet yet), or the live QR code, the code, the counts
    and the list, with the officer's controls."""
    activity = _activity(request, pk)
    sheet = selectors.sheet_of(activity)
    context = {
        "activity": activity,
        "sheet": sheet,
        "changeable": services.signin_changeable(activity),
        "ended": timezone.now() > activity.ends_at,
    }
    if sheet is not None:
        state = sheet.state()
        entries = selectors.sheet_entries(sheet)
        context.update(
            state=state,
            entries=entries,
            counts=sheet.entries.counts(),
            opens_at=sheet.window()[0],
            live=_live_code(request, sheet) if state == SheetState.OPEN else None,
        )
    return render(request, "signin/sheet.html", context)


@login_required
@require_POST
def sheet_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the sign-in, or reopen a closed one."""
    activity = _activity(request, pk)
    was = selectors.sheet_of(activity)
    try:
        services.sheet_open(activity, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if was is None:
            messages.success(request, _("The sign-in is open: show the QR code at the venue."))
        elif was.closed_at is not None:
            messages.success(request, _("The sign-in is open again."))
    return _back(activity)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def sheet_close(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the numbers the list will give the activity, to confirm. POST: closed, and the
    list written into the activity (attendees, external head count, the 签到表 PDF)."""
    sheet = _sheet(request, pk)
    activity = sheet.activity
    changed = False
    if request.method == "POST":
        try:
            written = services.sheet_close(sheet, by=request.user, seen=request.POST.get("seen"))
        except services.ListChanged as exc:
            messages.warning(request, " ".join(exc.messages))
            changed = True
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
            return _back(activity)
        else:
            counts = sheet.entries.counts()
            if not written:
                messages.info(
                    request,
                    _(
                        "The sign-in is closed. Nobody signed in: the activity's attendees and "
                        "head counts stay as they were entered."
                    ),
                )
            else:
                messages.success(
                    request,
                    _(
                        "The sign-in is closed. The activity now has %(attendees)s attending "
                        "members and %(external)s external participants, and the sign-in "
                        "sheet among its files."
                    )
                    % {"attendees": counts["attendees"], "external": counts["external"]},
                )
            return redirect("activities:detail", pk=activity.pk)
    return render(
        request,
        "signin/close.html",
        {
            "activity": activity,
            "sheet": sheet,
            "counts": sheet.entries.counts(),
            "seen": services.list_fingerprint(sheet),
            "changed": changed,
            "changeable": services.signin_changeable(activity),
            "recorded_attendees": activity.attendees.count(),
        },
    )


@never_cache
@login_required
@require_GET
def live(request: HttpRequest, pk: int) -> JsonResponse:
    """What the sign-in page refreshes every few seconds (static/js/signin-live.js): the
    counts and the state, and — when the minute has changed since ``?w=`` — the new QR code
    and code. Three queries, whatever the number signed in."""
    sheet = _sheet(request, pk)
    state = sheet.state()
    counts = sheet.entries.counts()
    answer: dict = {"state": str(state), "state_label": str(state.label), **counts}
    if state == SheetState.OPEN:
        window = tokens.window_at()
        answer["window"] = window
        if str(window) != request.GET.get("w", ""):
            code = _live_code(request, sheet)
            answer.update(url=code["url"], qr=str(code["qr"]), code=code["code"])
    return JsonResponse(answer)


@never_cache
@login_required
@require_GET
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The A4 poster for the venue's door: the activity, and a QR code that does not change
    (paper cannot), good while the sign-in takes sign-ins."""
    sheet = _sheet(request, pk)
    url = request.build_absolute_uri(
        reverse("signin:scan", kwargs={"token": tokens.poster_token(sheet)})
    )
    return render(
        request,
        "signin/poster.html",
        {
            "activity": sheet.activity,
            "sheet": sheet,
            "qr": qr_code_svg(url, title=_("QR code of the sign-in")),
            "opens_at": sheet.window()[0],
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add by hand (补录): find a member by name and add them, or add a partner's staff
    member or a guest with name and unit."""
    sheet = _sheet(request, pk)
    activity = sheet.activity
    partners = list(activity.partners.order_by("name", "pk"))
    guest_form = GuestForm(partners=partners, prefix="guest")
    search = MemberSearchForm(request.GET or None)
    if request.method == "POST":
        if "member" in request.POST:
            return _add_member(request, sheet)
        guest_form = GuestForm(request.POST, partners=partners, prefix="guest")
        if guest_form.is_valid():
            data = guest_form.cleaned_data
            try:
                added = services.entry_add_guest(
                    sheet,
                    by=request.user,
                    name=data["name"],
                    partner=data["partner"],
                    unit_name=data["unit_name"],
                    phone=data["phone"],
                )
            except ValidationError as exc:
                _form_errors(guest_form, exc)
            else:
                _added_message(request, added)
                return redirect("signin:add", pk=activity.pk)
    found = []
    if search.is_valid():
        found = selectors.members_to_add(sheet, search.cleaned_data["q"])
    return render(
        request,
        "signin/add.html",
        {
            "activity": activity,
            "sheet": sheet,
            "changeable": services.signin_changeable(activity),
            "search": search,
            "searched": bool(search.is_valid() and search.cleaned_data["q"].strip()),
            "found": found,
            "guest_form": guest_form,
            "organising_ids": activity.organising_branch_ids(),
        },
    )


def _form_errors(form: GuestForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _added_message(request: HttpRequest, added: services.SignedIn) -> None:
    if added.created:
        messages.success(request, _("%(name)s is on the list.") % {"name": added.entry.name})
    else:
        messages.info(request, _("%(name)s is on the list already.") % {"name": added.entry.name})


def _add_member(request: HttpRequest, sheet: SignInSheet) -> HttpResponse:
    member_id = parse_id(request.POST.get("member"))
    member = (
        Member.objects.filter(pk=member_id, committee_id=sheet.committee_id).first()
        if member_id
        else None
    )
    if member is None:
        messages.error(request, _("Choose a member of the committee."))
        return redirect("signin:add", pk=sheet.activity_id)
    try:
        added = services.entry_add_member(sheet, member, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _added_message(request, added)
    return redirect("signin:add", pk=sheet.activity_id)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def entry_remove(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """GET: whom removing takes off the list, and the button. POST: removed (on the
    timeline and in the audit log), back to the sign-in page."""
    sheet = _sheet(request, pk)
    entry = (
        SignInEntry.objects.filter(pk=entry_id, sheet=sheet)
        .select_related("member__branch", "partner", "added_by")
        .first()
    )
    if entry is None:
        if request.method == "POST" and not SignInEntry.objects.filter(pk=entry_id).exists():
            # A second tap: the first one removed it.
            messages.info(request, _("This entry is no longer on the list."))
            return _back(sheet.activity)
        raise Http404
    if request.method == "POST":
        try:
            removed = services.entry_remove(entry, by=request.user, request=request)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            if removed:
                messages.success(
                    request, _("%(name)s was removed from the list.") % {"name": entry.name}
                )
        return _back(sheet.activity)
    return render(
        request,
        "signin/remove.html",
        {
            "activity": sheet.activity,
            "sheet": sheet,
            "entry": entry,
            "changeable": services.signin_changeable(sheet.activity),
        },
    )
