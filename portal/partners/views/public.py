"""The pages behind a partner's link: no login, in Chinese, made for the contact's phone.

A link's token in the URL is the only key. Every view here is wrapped in ``behind_token``,
the one place that applies the token rules:

* a forged, expired, withdrawn, used (a link about one activity, once answered) or
  other-purpose token, and a link that may no longer show what it asks for, all get the same
  page ``partners/public/invalid.html`` with status 404 — nothing on it depends on the token,
  so it tells a guesser nothing;
* requests are counted per client address (``PARTNER_LINK_RATE_PER_MINUTE``): beyond the
  limit every request, with a valid token or not, gets the 429 page;
* every answer says ``Referrer-Policy: no-referrer`` (the token never leaves in a Referer),
  ``X-Robots-Tag: noindex, nofollow`` and ``Cache-Control: no-store``;
* the pages are Chinese whatever the browser or a language cookie says;
* nothing creates a session: the views never read ``request.user`` nor write to the session
  or the messages, and the forms carry no CSRF token (see ``behind_token``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.models import Activity
from portal.audit.services import client_ip
from portal.core.ids import parse_id
from portal.core.periods import local_today
from portal.core.ratelimit import rate_limit_exceeded, rate_limit_hit
from portal.core.uploads import IMAGE_FORMATS
from portal.partners import selectors
from portal.partners.forms import PartnerAnswerForm
from portal.partners.models import LinkPurpose, PartnerAnswer, PartnerLink
from portal.partners.services import partner_answer_record, partner_link_find

#: The partners' pages speak Chinese to everybody: a partner unit has no language switch.
PUBLIC_LANGUAGE = "zh-hans"
#: The rate limit's counter (``portal.core.ratelimit``) shared by every token page.
RATE_SCOPE = "partner-link"
#: What a photo's stored extension says it is (checked by content on upload): the only types
#: served, inline. Anything else (SVG included) is not a photo of the page.
PHOTO_CONTENT_TYPES = dict(IMAGE_FORMATS.values())
#: An uploaded file opened on its own runs no script and loads nothing (as portal.core.files).
FILE_POLICY = "default-src 'none'; img-src 'self'; sandbox"

TokenView = Callable[..., HttpResponse]


class LinkNotValid(Exception):
    """Raised by a view when its link may not show what was asked for: the invalid page."""


def link_invalid(request: HttpRequest) -> HttpResponse:
    """The one page for every token that opens nothing. Rendered from nothing but the
    request: whatever the token was, the page is the same, byte for byte."""
    return render(request, "partners/public/invalid.html", status=404)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    response = render(request, "partners/public/limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def _token_headers(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = PUBLIC_LANGUAGE
    return response


def behind_token(purpose: str, *, counted: bool = True) -> Callable[[TokenView], TokenView]:
    """Apply the token rules (module docstring) to a view ``view(request, link, **kwargs)``
    whose URL carries ``<token>``; the view gets the usable link of ``purpose``.

    ``counted=False`` (a page's photos): a request with a valid token does not count against
    the client's limit, so a page with a dozen photos does not use it up; a guess does count,
    and a client over the limit is refused photos too.

    The views are exempt from Django's CSRF check, on purpose:

    * the check protects a request that rides on what the browser sends by itself (a session
      cookie); these views read no cookie and no login: the only authority is the token in
      the URL, which a cross-site page cannot know — and whoever knows it can answer anyway;
    * the check would refuse the partners' answers: with ``Referrer-Policy: no-referrer`` a
      browser sends ``Origin: null`` with a form's POST, which Django's origin check refuses,
      and it needs a CSRF cookie that the in-app browsers of chat apps, where these links are
      opened, do not always keep. Without it the pages set no cookie at all.
    """

    def decorate(view: TokenView) -> TokenView:
        @wraps(view)
        def wrapper(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
            with translation.override(PUBLIC_LANGUAGE):
                response = _answer(request, token, view, purpose, counted, kwargs)
            return _token_headers(response)

        return csrf_exempt(wrapper)

    return decorate


def _answer(
    request: HttpRequest,
    token: str,
    view: TokenView,
    purpose: str,
    counted: bool,
    kwargs: dict[str, Any],
) -> HttpResponse:
    client = client_ip(request) or "unknown"
    limit = settings.PARTNER_LINK_RATE_PER_MINUTE
    if counted:
        if rate_limit_hit(RATE_SCOPE, client, limit=limit):
            return too_many_requests(request)
    elif rate_limit_exceeded(RATE_SCOPE, client, limit=limit):
        return too_many_requests(request)
    link = partner_link_find(token, purpose=purpose)
    if link is None:
        if not counted:
            rate_limit_hit(RATE_SCOPE, client, limit=limit)
        return link_invalid(request)
    try:
        return view(request, link, **kwargs)
    except LinkNotValid:
        return link_invalid(request)


# --- A link about one activity: confirm it or ask for a correction, evaluate it ------------


def _answer_context(activity: Activity, form: PartnerAnswerForm, action: str, **more: Any) -> dict:
    return {"activity": activity, "form": form, "action": action, **more}


@behind_token(LinkPurpose.ANSWER)
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, link: PartnerLink) -> HttpResponse:
    """GET: the activity's record and the answer form. POST: the answer recorded, and the
    answer shown back right in this response — the link is used up by it, so a page to
    redirect to would need a link that no longer opens anything."""
    activity = selectors.answer_page_activity(link)
    if activity is None:
        raise LinkNotValid
    action = request.path
    if request.method == "GET":
        return render(
            request,
            "partners/public/answer.html",
            _answer_context(activity, PartnerAnswerForm(), action, link=link),
        )
    form = PartnerAnswerForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "partners/public/answer.html",
            _answer_context(activity, form, action, link=link),
        )
    answer = _record(request, link, activity, form)
    return render(
        request, "partners/public/answered.html", {"activity": activity, "answer": answer}
    )


def _record(
    request: HttpRequest, link: PartnerLink, activity: Activity, form: PartnerAnswerForm
) -> PartnerAnswer:
    """The service's answer; a link used up meanwhile (a second tab, a double tap) is not
    valid any more."""
    data = form.cleaned_data
    try:
        return partner_answer_record(
            link=link,
            activity=activity,
            verdict=data["verdict"],
            partner_head_count=data["partner_head_count"],
            comment=data["comment"],
            rating=data["rating"],
            rating_comment=data["rating_comment"],
            request=request,
        )
    except ValidationError as error:
        raise LinkNotValid from error


@behind_token(LinkPurpose.ANSWER, counted=False)
@require_GET
def photo(
    request: HttpRequest, link: PartnerLink, attachment_id: int, size: str = "full"
) -> FileResponse:
    """A photo of the link's activity (``size="thumb"``: its thumbnail), inline, as an image of
    a checked type; anything else — a sign-in sheet, a document, another activity's photo —
    is the invalid page."""
    attachment = selectors.partner_photos(link).filter(pk=attachment_id).first()
    if attachment is None:
        raise LinkNotValid
    name = attachment.thumbnail.name if size == "thumb" else attachment.file.name
    extension = posixpath.splitext(name)[1].lower().lstrip(".")
    content_type = PHOTO_CONTENT_TYPES.get(extension)
    if content_type is None:
        raise LinkNotValid
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError) as error:
        raise LinkNotValid from error
    # A neutral name: the uploader's file name may name people.
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="photo.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response


# --- A partner's own page: this year's joint activities, the pending ones answered there ----


@behind_token(LinkPurpose.PAGE)
@require_GET
def page(request: HttpRequest, link: PartnerLink) -> HttpResponse:
    """The unit's joint activities with the committee this year, those waiting for this
    contact's answer first, each with its own answer form."""
    activities = selectors.partner_page_activities(link)
    rows = Paginator(activities, selectors.PARTNER_PAGE_SIZE).get_page(request.GET.get("page"))
    answered = None
    answered_id = parse_id(request.GET.get("answered", ""))
    if answered_id is not None:
        answered = selectors.partner_answer_of_contact(link, answered_id)
    forms = {
        activity.pk: PartnerAnswerForm(prefix=f"a{activity.pk}")
        for activity in rows
        if activity.waiting
    }
    for activity in rows:
        activity.answer_form = forms.get(activity.pk)
        activity.unit_answer = activity.unit_answers[0] if activity.unit_answers else None
    return render(
        request,
        "partners/public/page.html",
        {
            "link": link,
            "rows": rows,
            "counts": selectors.partner_page_counts(link),
            "answered": answered,
            "year": local_today().year,
        },
    )


@behind_token(LinkPurpose.PAGE)
@require_POST
def page_answer(request: HttpRequest, link: PartnerLink, activity_id: int) -> HttpResponse:
    """The answer about one of the page's activities that waits for this contact; then back to
    the page, which says it was received. Any other activity is the invalid page."""
    activity = selectors.partner_page_pending(link, activity_id)
    if activity is None:
        raise LinkNotValid
    form = PartnerAnswerForm(request.POST, prefix=f"a{activity.pk}")
    if not form.is_valid():
        # The activity on its own, its form with the messages, a way back to the list.
        activity.photos = []
        return render(
            request,
            "partners/public/answer.html",
            _answer_context(activity, form, request.path, link=link, back=_page_url(request)),
        )
    _record(request, link, activity, form)
    return HttpResponseRedirect(f"{_page_url(request)}?answered={activity.pk}#answered", status=303)


def _page_url(request: HttpRequest) -> str:
    """The partner's page of the token in this request's URL."""
    return reverse("partners:page", args=[request.resolver_match.kwargs["token"]])
