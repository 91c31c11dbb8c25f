"""The page behind a link about one activity (``/p/<token>/``), its photos, and the token rules
that every page behind a partner's link keeps (portal/partners/views/public.py).

The token rules one by one: a forged, expired, withdrawn, used or other-purpose token gets the
same page; another activity's link reaches nothing of this one; a guesser is rate-limited, and
a valid token with him; no session or cookie is ever made; nothing personal is on the page.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    AttachmentKind,
    PartnerCheck,
)
from branches.models import AuditAction, AuditEntry
from portal.core.logs import mask_link_tokens
from portal.partners.models import LinkPurpose, PartnerAnswer, PartnerLink, token_hash
from portal.partners.services import partner_link_revoke
from tests import factories
from tests.partners.scene import (
    ATTENDEES,
    CONTACT_EMAIL,
    CONTACT_NAME,
    CONTACT_PHONE,
    REVIEW_COMMENT,
    Scene,
)
from tests.security.server_log import server_log

pytestmark = pytest.mark.django_db

INVALID = "链接无效或已过期"
FORGED = "Qm9ndXMtdG9rZW4tbm90LWlzc3VlZC1hdC1hbGw"


def link_of(token: str) -> PartnerLink:
    return PartnerLink.objects.get(token_hash=token_hash(token))


def confirm(**more) -> dict:
    return {"verdict": "confirmed", "rating": "", **more}


def answers() -> int:
    return PartnerAnswer.objects.count()


def assert_invalid(response) -> None:
    assert response.status_code == 404
    assert INVALID in response.content.decode()


# --- What the partner sees --------------------------------------------------------------


def test_the_page_shows_the_record_a_partner_judges(scene: Scene, client: Client) -> None:
    token = scene.ask()

    response = client.get(f"/p/{token}/")

    assert response.status_code == 200
    html = response.content.decode()
    activity = scene.activity
    for shown in (
        activity.title,
        "春江街道党群服务中心",  # place
        "杭州项目公司党支部",  # organising branch
        activity.measure.title,
        "春江街道社区",  # partner unit
        "与春江街道共同开展安置房交付前的入户走访。",  # summary
        "走访住户 120 户，收集意见 35 条。",  # outcome
        timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M"),
        "入户走访合影",  # the photo's caption
        "情况属实",
        "需要更正",
        "满意",
        "基本满意",
        "不满意",
    ):
        assert shown in html, shown
    stats = response.context["activity"]
    assert (stats.members_attending, stats.external_participants) == (2, 12)
    assert (stats.volunteers, stats.beneficiaries) == (5, 80)
    assert f'src="/p/{token}/photo/{scene.photo.pk}/thumb/"' in html
    assert f'href="/p/{token}/photo/{scene.photo.pk}/"' in html


def test_no_member_name_phone_contact_or_reviewer_comment_is_on_the_page(
    scene: Scene, client: Client
) -> None:
    """The attendees, the contact's own name, phone and e-mail, the sign-in sheet and the
    document, the reviewer's comment, the portal's own links: none of them."""
    approved = scene.new_activity(title="已通过的联建活动", status=ActivityStatus.APPROVED)
    token = scene.ask(approved)
    attendee_names = [name for name, _phone in ATTENDEES]

    for html in (
        client.get(f"/p/{scene.ask()}/").content.decode(),
        client.get(f"/p/{token}/").content.decode(),
    ):
        for secret in (
            *attendee_names,
            *(phone for _name, phone in ATTENDEES),
            *(phone[:3] + "****" + phone[-4:] for _name, phone in ATTENDEES),
            CONTACT_NAME,
            CONTACT_PHONE,
            CONTACT_EMAIL,
            REVIEW_COMMENT,
            "签到表",  # the sign-in sheet lists people by name
            "活动方案",  # a document is not a photo
            "/activities/",
            "/files/",
            "/admin/",
        ):
            assert secret not in html, secret


def test_the_page_is_chinese_whatever_the_browser_or_the_language_cookie_says(
    scene: Scene, client: Client
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(f"/p/{scene.ask()}/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    forged = client.get(f"/p/{FORGED}/", HTTP_ACCEPT_LANGUAGE="en-US,en")

    assert "请确认活动记录" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert INVALID in forged.content.decode()
    assert 'lang="zh-Hans"' in forged.content.decode()


def test_the_page_takes_a_fixed_number_of_queries(
    scene: Scene, client: Client, django_assert_num_queries
) -> None:
    """The link, the activity, its partner units, its unit's answers, its photos."""
    units = [
        factories.PartnerFactory(committee=scene.cast.committee_a, name=f"共建单位{n}号")
        for n in range(5)
    ]
    scene.activity.partners.add(*units)
    token = scene.ask()
    with django_assert_num_queries(5):
        response = client.get(f"/p/{token}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert all(unit.name in page for unit in units)


# --- Answering ---------------------------------------------------------------------------


def test_a_confirmation_makes_the_record_confirmed_on_the_timeline_and_in_the_audit_log(
    scene: Scene, client: Client
) -> None:
    token = scene.ask()

    response = client.post(
        f"/p/{token}/",
        confirm(partner_head_count="9", rating="satisfied", rating_comment="走访细致，群众满意。"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "谢谢，您的答复已收到" in html
    for said in ("情况属实", "9", "满意", "走访细致，群众满意。"):
        assert said in html
    activity = Activity.objects.get(pk=scene.activity.pk)
    assert activity.partner_check == PartnerCheck.CONFIRMED
    assert activity.status == ActivityStatus.SUBMITTED
    answer = PartnerAnswer.objects.get()
    assert (answer.contact, answer.partner, answer.verdict) == (
        scene.contact,
        scene.partner,
        "confirmed",
    )
    assert (answer.partner_head_count, answer.rating) == (9, "satisfied")
    event = activity.events.get(action=ActivityAction.PARTNER_CONFIRMED)
    assert event.contact == scene.contact
    assert event.actor is None
    assert "情况属实" in event.comment
    assert "走访细致，群众满意。" in event.comment
    entry = AuditEntry.objects.get(action=AuditAction.PARTNER_ANSWER)
    assert (entry.object_type, entry.object_id) == ("activity", str(activity.pk))
    assert entry.object_repr == f"{activity.title} · {CONTACT_NAME}（春江街道社区）"
    assert entry.user is None
    # The committee admin reads it in Chinese on the audit log's page.
    audit_page = scene.cast.client_for(scene.cast.admin_a).get("/audit/").content.decode()
    assert "情况属实, 满意" in audit_page
    assert link_of(token).answered_at is not None


def test_a_correction_returns_a_submitted_activity_to_the_branch_with_the_comment(
    scene: Scene, client: Client
) -> None:
    token = scene.ask()

    response = client.post(
        f"/p/{token}/",
        {"verdict": "correction", "comment": "外部参与人数应为 20 人，不是 12 人。", "rating": ""},
    )

    assert "需要更正" in response.content.decode()
    activity = Activity.objects.get(pk=scene.activity.pk)
    assert activity.status == ActivityStatus.RETURNED
    assert activity.partner_check == PartnerCheck.CORRECTION
    assert "外部参与人数应为 20 人，不是 12 人。" in activity.review_comment
    returned = activity.events.get(action=ActivityAction.RETURNED)
    assert returned.contact == scene.contact
    assert activity.events.filter(action=ActivityAction.PARTNER_CORRECTION).count() == 1
    # The branch reads the partner's words on its activity's page.
    secretary = scene.cast.client_for(scene.cast.secretary_a1)
    assert (
        "外部参与人数应为 20 人，不是 12 人。"
        in secretary.get(f"/activities/{activity.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请选择记录是否属实。"),
        ({"verdict": "approved"}, "请选择记录是否属实。"),
        ({"verdict": "correction", "comment": "   "}, "请说明需要更正的内容。"),
        (confirm(partner_head_count="-1"), "本单位参加人数"),
        (confirm(partner_head_count="9" * 30), "本单位参加人数"),
        (confirm(partner_head_count="abc"), "本单位参加人数"),
        (confirm(rating="excellent"), "请从给出的评价中选择一项。"),
        (confirm(rating_comment="长" * 301), "评价说明"),
        (confirm(comment="长" * 2001), "意见"),
    ],
)
def test_bad_input_gives_the_page_again_with_chinese_messages_and_saves_nothing(
    scene: Scene, client: Client, data: dict, message: str
) -> None:
    token = scene.ask()

    response = client.post(f"/p/{token}/", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "请修改以下内容后重新提交" in html
    assert message in html
    assert scene.activity.title in html
    assert answers() == 0
    assert link_of(token).answered_at is None
    assert Activity.objects.get(pk=scene.activity.pk).partner_check == PartnerCheck.PENDING


def test_markup_sent_in_an_answer_comes_back_escaped(scene: Scene, client: Client) -> None:
    token = scene.ask()
    script = "<script>alert(1)</script>"

    html = client.post(f"/p/{token}/", confirm(comment=script, rating_comment=script)).content

    assert script.encode() not in html
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- The token rules ---------------------------------------------------------------------


def test_forged_expired_revoked_used_and_other_purpose_tokens_get_the_same_page(
    scene: Scene, client: Client
) -> None:
    forged = client.get(f"/p/{FORGED}/")
    assert_invalid(forged)

    expired = scene.ask(scene.new_activity(title="已过期链接的活动"))
    PartnerLink.objects.filter(token_hash=token_hash(expired)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    revoked = scene.ask(scene.new_activity(title="已收回链接的活动"))
    partner_link_revoke(link_of(revoked), by=scene.cast.secretary_a1)
    used = scene.ask()
    assert client.post(f"/p/{used}/", confirm()).status_code == 200
    page = scene.page_token()
    superseded = scene.ask(scene.new_activity(title="重发链接的活动"))
    activity = link_of(superseded).activity
    scene.ask(activity)  # asked again: the earlier link is withdrawn

    for token in (expired, revoked, used, page, superseded, "x", "x" * 65, FORGED.lower()):
        response = client.get(f"/p/{token}/")
        assert_invalid(response)
        assert response.content == forged.content, token  # byte for byte: no oracle
    assert_invalid(client.get(f"/p/u/{used}/"))  # an answer link is no page link
    assert client.get(f"/p/u/{page}/").status_code == 200


def test_a_used_token_cannot_answer_again(scene: Scene, client: Client) -> None:
    token = scene.ask()
    client.post(f"/p/{token}/", confirm())

    again = client.post(f"/p/{token}/", {"verdict": "correction", "comment": "再答一次"})

    assert_invalid(again)
    assert answers() == 1
    assert Activity.objects.get(pk=scene.activity.pk).partner_check == PartnerCheck.CONFIRMED


def test_an_archived_activity_or_a_partner_taken_off_it_closes_the_link(
    scene: Scene, client: Client
) -> None:
    archived = scene.ask()
    other = scene.new_activity(title="后来去掉了共建单位的活动")
    taken_off = scene.ask(other)
    Activity.all_objects.filter(pk=scene.activity.pk).update(archived_at=timezone.now())
    other.partners.set([factories.PartnerFactory(committee=scene.cast.committee_a)])

    for token in (archived, taken_off):
        assert_invalid(client.get(f"/p/{token}/"))
        assert_invalid(client.post(f"/p/{token}/", confirm()))
    assert answers() == 0


def test_a_partner_taken_off_the_roster_has_its_links_closed(scene: Scene, client: Client) -> None:
    token = scene.ask()
    page = scene.page_token()
    type(scene.partner).all_objects.filter(pk=scene.partner.pk).update(archived_at=timezone.now())

    assert_invalid(client.get(f"/p/{token}/"))
    assert_invalid(client.get(f"/p/u/{page}/"))


def test_another_activitys_link_reaches_nothing_of_this_activity(
    scene: Scene, client: Client
) -> None:
    """A link about activity B shows B only: A's photo refused through it, A's answer not
    recorded through it."""
    scene.ask()  # this activity waits for the contact's answer
    other = scene.ask(scene.new_activity(title="另一项联建活动", photo=True))

    assert_invalid(client.get(f"/p/{other}/photo/{scene.photo.pk}/"))
    assert_invalid(client.get(f"/p/{other}/photo/{scene.photo.pk}/thumb/"))
    response = client.post(f"/p/{other}/", confirm())
    assert response.status_code == 200
    assert scene.activity.title not in response.content.decode()
    assert not PartnerAnswer.objects.filter(activity=scene.activity).exists()
    assert Activity.objects.get(pk=scene.activity.pk).partner_check == PartnerCheck.PENDING


def test_brute_force_is_rate_limited_and_a_valid_token_is_refused_with_it(
    scene: Scene, client: Client, settings
) -> None:
    settings.PARTNER_LINK_RATE_PER_MINUTE = 5
    token = scene.ask()
    for n in range(5):
        assert_invalid(client.get(f"/p/{FORGED}{n}/"))

    refused = [
        client.get(f"/p/{FORGED}x/"),
        client.get(f"/p/{token}/"),
        client.post(f"/p/{token}/", confirm()),
        client.get(f"/p/{token}/photo/{scene.photo.pk}/thumb/"),
        client.get(f"/p/u/{scene.page_token()}/"),
    ]

    for response in refused:
        assert response.status_code == 429
        assert "请求过于频繁" in response.content.decode()
        assert response["Referrer-Policy"] == "no-referrer"
    assert answers() == 0
    # Another address is not held back by this one's guesses.
    assert Client(REMOTE_ADDR="10.0.0.8").get(f"/p/{token}/").status_code == 200


def test_photos_of_a_page_do_not_use_up_the_limit_but_guessed_ones_do(
    scene: Scene, client: Client, settings
) -> None:
    settings.PARTNER_LINK_RATE_PER_MINUTE = 3
    token = scene.ask()
    for _ in range(10):
        assert client.get(f"/p/{token}/photo/{scene.photo.pk}/thumb/").status_code == 200
    assert client.get(f"/p/{token}/").status_code == 200

    for n in range(3):
        assert_invalid(client.get(f"/p/{FORGED}{n}/photo/{scene.photo.pk}/"))

    assert client.get(f"/p/{token}/photo/{scene.photo.pk}/thumb/").status_code == 429


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged in"])
def test_no_session_and_no_cookie_is_made_on_get_or_post(scene: Scene, logged_in: bool) -> None:
    """Nobody logged in: no session row, no cookie of any kind, valid token or not, GET or
    POST. Logged in (a branch officer tries the link): their session is theirs, no other."""
    client = scene.cast.client_for(scene.cast.secretary_a2 if logged_in else None)
    sessions = Session.objects.count()
    page = scene.page_token()
    waiting = scene.ask(scene.new_activity(title="从单位页面答复的活动"))
    assert waiting

    responses = [
        client.get(f"/p/{scene.ask()}/"),
        client.post(f"/p/{scene.ask()}/", {"verdict": "correction"}),  # sent back
        client.post(f"/p/{scene.ask()}/", confirm()),
        client.get(f"/p/{FORGED}/"),
        client.post(f"/p/{FORGED}/", confirm()),
        client.get(f"/p/u/{page}/"),
        client.post(f"/p/u/{page}/{link_of(waiting).activity_id}/", confirm()),
        client.get(f"/p/{scene.ask()}/photo/{scene.photo.pk}/"),
    ]

    own_session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    for response in responses:
        if not logged_in:
            assert not response.cookies, response.cookies
        elif settings.SESSION_COOKIE_NAME in response.cookies:  # its idle deadline moved on
            assert response.cookies[settings.SESSION_COOKIE_NAME].value == own_session.value
        assert settings.CSRF_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == sessions


def test_every_token_answer_carries_no_referrer_noindex_and_no_store(
    scene: Scene, client: Client
) -> None:
    token = scene.ask()
    responses = {
        "page": client.get(f"/p/{token}/"),
        "sent back": client.post(f"/p/{token}/", {"verdict": "x"}),
        "photo": client.get(f"/p/{token}/photo/{scene.photo.pk}/"),
        "invalid": client.get(f"/p/{FORGED}/"),
        "invalid photo": client.get(f"/p/{FORGED}/photo/1/"),
        "partner page": client.get(f"/p/u/{scene.page_token()}/"),
        "not allowed": client.put(f"/p/{token}/"),
        "answered": client.post(f"/p/{token}/", confirm()),
    }

    for name, response in responses.items():
        assert response["Referrer-Policy"] == "no-referrer", name
        assert response["X-Robots-Tag"] == "noindex, nofollow", name
        assert response["Cache-Control"] == "no-store", name
        if response.get("Content-Type", "").startswith("text/html") and response.content:
            assert '<meta name="robots" content="noindex">' in response.content.decode(), name
    assert responses["not allowed"].status_code == 405


def test_a_refused_link_is_audited_for_a_logged_in_user_without_its_token(
    scene: Scene,
) -> None:
    client = scene.cast.client_for(scene.cast.staff_a)

    client.get(f"/p/{FORGED}/")

    entry = AuditEntry.objects.filter(action=AuditAction.ACCESS_REFUSED).latest("pk")
    assert entry.object_repr == "/p/…/"
    assert FORGED not in entry.object_repr


# --- Photos ----------------------------------------------------------------------------------


def test_a_photo_is_served_inline_as_the_image_it_is(scene: Scene, client: Client) -> None:
    token = scene.ask()

    full = client.get(f"/p/{token}/photo/{scene.photo.pk}/")
    thumb = client.get(f"/p/{token}/photo/{scene.photo.pk}/thumb/")

    for response in (full, thumb):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == 'inline; filename="photo.jpg"'
        assert response["Content-Security-Policy"] == (
            "default-src 'none'; img-src 'self'; sandbox"
        )
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_the_photo_route_refuses_sign_in_sheets_documents_and_unknown_ids(
    scene: Scene, client: Client
) -> None:
    token = scene.ask()
    sheet = scene.activity.attachments.get(kind=AttachmentKind.SIGN_IN_SHEET)
    document = scene.activity.attachments.get(kind=AttachmentKind.DOCUMENT)

    for attachment_id in (sheet.pk, document.pk, 999_999):
        assert_invalid(client.get(f"/p/{token}/photo/{attachment_id}/"))
        assert_invalid(client.get(f"/p/{token}/photo/{attachment_id}/thumb/"))


def test_a_photo_stored_as_svg_is_never_served(scene: Scene, client: Client) -> None:
    """Only the checked image types go out: a stored name of another kind (an SVG slipped in
    by hand) is refused, never served as an image that runs script."""
    token = scene.ask()
    type(scene.photo).objects.filter(pk=scene.photo.pk).update(
        file=scene.photo.file.name.rsplit(".", 1)[0] + ".svg"
    )

    assert_invalid(client.get(f"/p/{token}/photo/{scene.photo.pk}/"))


def test_a_partner_page_link_opens_no_photo(scene: Scene, client: Client) -> None:
    page = scene.page_token()

    assert_invalid(client.get(f"/p/{page}/photo/{scene.photo.pk}/"))
    assert_invalid(client.get(f"/p/{page}/photo/{scene.photo.pk}/thumb/"))


def test_timeline_names_the_contact_for_each_answer(scene: Scene, client: Client) -> None:
    token = scene.ask()

    client.post(f"/p/{token}/", confirm(rating="fair"))

    event = ActivityEvent.objects.get(action=ActivityAction.PARTNER_CONFIRMED)
    assert event.contact_id == scene.contact.pk
    assert "基本满意" in event.comment
    assert link_of(token).purpose == LinkPurpose.ANSWER


# --- The server log ----------------------------------------------------------------------


def test_no_token_reaches_the_server_log(scene: Scene, client: Client) -> None:
    """Django logs every 404 with its path, and SQL with its parameters when asked to: the
    log keeps the path's shape without the token, and the database is asked for its hash."""
    token = scene.ask()
    previous = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        with server_log(logging.DEBUG) as log:
            client.get(f"/p/{token}/")
            client.get(f"/p/{token}/photo/999999/")  # a valid token, a 404
            client.post(f"/p/{token}/", confirm())
            client.get(f"/p/{token}/")  # used now: a 404
    finally:
        connection.force_debug_cursor = previous

    lines = log.getvalue()
    assert "Not Found: /p/…/photo/999999/" in lines
    assert "django.db.backends" in lines
    assert token not in lines


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Not Found: /p/Zk3xQ9_a-bcdefghijklmnopqrstuvw/", "Not Found: /p/…/"),
        ("/p/Zk3xQ9_a-bcdefghijklmnopqrstuvw/photo/4/thumb/", "/p/…/photo/4/thumb/"),
        ("GET /p/u/Zk3xQ9_a-bcdefghijklmnopqrstuvw/12/", "GET /p/u/…/12/"),
        ("https://dj.example.cn/p/u/Zk3xQ9_abcdefgh/", "https://dj.example.cn/p/u/…/"),
        # Not a token: the rest of the portal's paths.
        ("/activities/12/", "/activities/12/"),
        ("/p/u/", "/p/u/"),
    ],
)
def test_mask_link_tokens(text: str, masked: str) -> None:
    assert mask_link_tokens(text) == masked


def test_an_answer_needs_no_csrf_cookie_nor_a_referer(scene: Scene) -> None:
    """The form carries no CSRF token and the browser sends ``Origin: null`` under
    ``Referrer-Policy: no-referrer``: the views are exempt (the token in the URL is the key;
    views/public.py says why). The client here checks CSRF as a browser's request is."""
    client = Client(enforce_csrf_checks=True)
    token = scene.ask()
    page = scene.page_token()
    other = scene.new_activity(title="从单位页面答复的活动")
    scene.ask(other)

    answered = client.post(f"/p/{token}/", confirm(), HTTP_ORIGIN="null")
    from_page = client.post(
        f"/p/u/{page}/{other.pk}/",
        {f"a{other.pk}-verdict": "confirmed", f"a{other.pk}-rating": ""},
        HTTP_ORIGIN="null",
    )

    assert answered.status_code == 200
    assert from_page.status_code == 303
    assert PartnerAnswer.objects.count() == 2
    assert "csrfmiddlewaretoken" not in client.get(f"/p/u/{page}/").content.decode()
