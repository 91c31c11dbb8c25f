"""The activity page: what happened, who took part, its files and timeline, for those who may
see it — and the workflow buttons only for those who may use them."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from activities import services
from activities.models import ActivityAction, AttachmentKind, Measure
from portal.templatetags.people import person_name
from tests import factories


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg(name: str = "photo.jpg", colour: str = "red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf(name: str = "方案.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\nagenda\nstartxref\n9\n%%EOF\n", content_type="application/pdf"
    )


def english(client):
    """Assertions read the English msgids (the Chinese catalogue is filled in by the lead)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def measure_of(cast):
    """The committee's first measure, with its Chinese and English titles."""
    existing = Measure.objects.filter(committee=cast.committee_a, code="M1").first()
    return existing or factories.MeasureFactory(
        committee=cast.committee_a,
        code="M1",
        title="理论联学",
        title_en="Joint theory study",
        subtitle="学习宣讲进社区",
        subtitle_en="Lectures in communities",
    )


def make_activity(cast, *, by=None, essentials=True, **overrides):
    """An activity logged through the services; with ``essentials`` (the default) it has what
    submitting asks for: a partner unit, an attendee, the summary and a photo."""
    fields = {
        "committee": cast.committee_a,
        "branch": cast.branch_a1,
        "measure": measure_of(cast),
        "title": "春南社区理论宣讲",
        "kind": "lecture",
        "starts_at": timezone.now() - dt.timedelta(days=2),
        "ends_at": timezone.now() - dt.timedelta(days=2) + dt.timedelta(hours=2),
        "location": "春南社区党群服务中心",
    }
    fields.update(overrides)
    activity = services.activity_create(created_by=by or cast.secretary_a1, **fields)
    return factories.give_essentials(activity) if essentials else activity


def detail_url(activity) -> str:
    return reverse("activities:detail", kwargs={"pk": activity.pk})


def page(cast, user, activity) -> str:
    response = english(cast.client_for(user)).get(detail_url(activity))
    assert response.status_code == 200
    return response.content.decode()


def transition_forms(html: str) -> set[str]:
    return set(re.findall(r'action="/activities/\d+/workflow/(\w+)/"', html))


# --- Who sees the page ---------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(cast):
    activity = make_activity(cast)
    response = cast.client_for(None).get(detail_url(activity))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("outsider", ["secretary_a2", "former_secretary_a1", "admin_b"])
def test_outsider_gets_not_found(cast, outsider):
    activity = make_activity(cast)
    response = cast.client_for(getattr(cast, outsider)).get(detail_url(activity))
    assert response.status_code == 404


@pytest.mark.parametrize("reader", ["secretary_a1", "staff_a", "admin_a", "superuser"])
def test_organiser_and_reviewers_see_the_page(cast, reader):
    activity = make_activity(cast)
    assert "春南社区理论宣讲" in page(cast, getattr(cast, reader), activity)


def test_co_organising_branch_sees_the_page_without_any_action(cast):
    activity = make_activity(cast, co_branches=[cast.branch_a2])
    html = page(cast, cast.secretary_a2, activity)
    assert "春南社区理论宣讲" in html
    assert transition_forms(html) == set()
    assert reverse("activities:edit", kwargs={"pk": activity.pk}) not in html


# --- What the page shows ---------------------------------------------------------------------


def test_page_shows_the_activitys_facts(cast):
    goal = factories.GoalFactory(
        committee=cast.committee_a,
        code="G1",
        title="夯实基层党建",
        title_en="Strengthen the foundations",
    )
    partners = [
        factories.PartnerFactory(committee=cast.committee_a, name="春南街道"),
        factories.PartnerFactory(committee=cast.committee_a, name="富春湾集团"),
    ]
    partnership = factories.PartnershipFactory(
        committee=cast.committee_a, branch=cast.branch_a1, title="春南结对共建协议"
    )
    start = dt.datetime(2024, 5, 6, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    activity = make_activity(
        cast,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        goals=[goal],
        partners=partners,
        partnership=partnership,
        co_branches=[cast.branch_a2],
        attendees=[cast.member_a1, cast.member_a2],
        external_participants=12,
        volunteers=7,
        beneficiaries=150,
        summary="第一段\n第二段",
        outcome="解决群众诉求3件",
    )
    html = page(cast, cast.staff_a, activity)

    assert 'class="status status--draft"' in html
    assert "杭州项目公司党支部" in html  # organiser
    assert "宿迁项目公司党支部" in html  # co-organiser
    assert "Lecture or briefing" in html
    assert "2024-05-06 09:30" in html
    assert "11:30" in html
    assert "春南社区党群服务中心" in html
    assert "M1" in html
    assert "Joint theory study" in html
    assert "Lectures in communities" in html
    assert "G1" in html
    assert "Strengthen the foundations" in html
    assert "春南街道" in html
    assert "富春湾集团" in html
    assert "春南结对共建协议" in html
    assert "2 members attended" in html
    assert "张伟" in html
    assert "李娜" in html
    for count in ("12", "7", "150"):
        assert f'<span class="stat__value">{count}</span>' in html
    assert "第一段<br>第二段" in html
    assert "解决群众诉求3件" in html


def test_committee_level_activity_names_the_committee_as_organiser(cast):
    activity = make_activity(cast, by=cast.staff_a, branch=None)
    html = page(cast, cast.staff_a, activity)
    assert "投资公司党委" in html
    assert "Committee-level" in html


def test_page_never_shows_member_phone_numbers(cast):
    activity = make_activity(cast, attendees=[cast.member_a1])
    for user in (cast.secretary_a1, cast.staff_a, cast.admin_a, cast.superuser):
        html = page(cast, user, activity)
        assert "张伟" in html
        assert "13812345678" not in html
        assert "5678" not in html  # not even masked


def test_user_text_is_escaped(cast):
    activity = make_activity(
        cast,
        title="<script>alert('title')</script>",
        summary="<script>alert('summary')</script>\n<b>bold</b>",
        outcome="<img src=x onerror=alert(1)>",
        location="<i>site</i>",
    )
    html = page(cast, cast.secretary_a1, activity)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#x27;summary&#x27;)&lt;/script&gt;<br>&lt;b&gt;bold" in html
    assert "<img src=x" not in html
    assert "<i>site</i>" not in html


def test_photos_are_thumbnails_linking_to_the_full_image_through_the_download_view(cast):
    activity = make_activity(cast)
    photo = services.attachment_add(
        activity, by=cast.secretary_a1, upload=jpeg(), kind=AttachmentKind.PHOTO, caption="宣讲现场"
    )
    sheet = services.attachment_add(
        activity, by=cast.secretary_a1, upload=jpeg("sheet.jpg"), kind=AttachmentKind.SIGN_IN_SHEET
    )
    html = page(cast, cast.staff_a, activity)

    for image in (photo, sheet):
        full = reverse("protected_file", kwargs={"path": image.file.name})
        thumb = reverse("protected_file", kwargs={"path": image.thumbnail.name})
        assert f'href="{full}"' in html
        assert f'src="{thumb}"' in html
    assert 'data-caption="宣讲现场"' in html
    assert "Sign-in sheet" in html
    assert 'src="/static/js/photo-viewer.js"' in html
    # The links work: the secretary's browser gets the image bytes.
    response = cast.client_for(cast.staff_a).get(
        reverse("protected_file", kwargs={"path": photo.thumbnail.name})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_documents_are_listed_with_caption_name_size_and_download_link(cast):
    activity = make_activity(cast)
    document = services.attachment_add(
        activity, by=cast.secretary_a1, upload=pdf(), kind=AttachmentKind.DOCUMENT, caption="议程"
    )
    html = page(cast, cast.staff_a, activity)
    assert "议程" in html
    assert "方案.pdf" in html
    assert f"{document.size}\xa0bytes" in html
    assert f'href="{reverse("protected_file", kwargs={"path": document.file.name})}"' in html
    # A page without photos does not load the viewer.
    assert "photo-viewer.js" not in html


def test_page_without_files_says_so(cast):
    html = page(cast, cast.secretary_a1, make_activity(cast))
    assert "No photos yet." in html
    assert "photo-viewer.js" not in html


def test_timeline_lists_events_oldest_first_with_who_when_why(cast):
    cast.staff_a.first_name, cast.staff_a.last_name = "芳", "王"
    cast.staff_a.save()
    activity = make_activity(cast)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    services.activity_transition(
        activity, action=ActivityAction.RETURNED, by=cast.staff_a, comment="请补充签到表"
    )
    html = page(cast, cast.secretary_a1, activity)
    timeline = html[html.index('class="timeline"') :]
    created = timeline.index("Created")
    submitted = timeline.index("Submitted for review")
    returned = timeline.index("Returned for changes")
    assert created < submitted < returned
    assert "secretary_a1" in timeline[created:submitted]
    staff_name = person_name(cast.staff_a)  # 王芳: family name first, no space
    assert staff_name
    assert staff_name in timeline[returned:]
    assert "请补充签到表" in timeline[returned:]
    event = activity.events.get(action=ActivityAction.RETURNED)
    assert timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M") in timeline[returned:]
    assert 'status--submitted">Submitted</span>' in timeline[returned:]
    assert 'status--returned">Returned</span>' in timeline[returned:]


def test_returned_activity_shows_the_reviewers_comment_in_a_banner(cast):
    activity = make_activity(cast)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    services.activity_transition(
        activity, action=ActivityAction.RETURNED, by=cast.staff_a, comment="照片不清晰\n请重新上传"
    )
    html = page(cast, cast.secretary_a1, activity)
    banner = html[html.index('class="review-banner"') : html.index("</section>")]
    assert "Returned for changes" in banner
    assert "照片不清晰<br>请重新上传" in banner
    assert "staff_a" in banner


def test_reopened_activity_shows_the_reason_in_the_banner(cast):
    activity = make_activity(cast)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.staff_a)
    services.activity_transition(
        activity, action=ActivityAction.REOPENED, by=cast.admin_a, comment="受益人数有误"
    )
    html = page(cast, cast.secretary_a1, activity)
    banner = html[html.index('class="review-banner"') : html.index("</section>")]
    assert "Reopened by the reviewer" in banner
    assert "受益人数有误" in banner


def test_no_banner_for_a_draft_or_an_approved_activity(cast):
    activity = make_activity(cast)
    assert "review-banner" not in page(cast, cast.secretary_a1, activity)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    services.activity_transition(
        activity, action=ActivityAction.APPROVED, by=cast.staff_a, comment="很好"
    )
    assert "review-banner" not in page(cast, cast.secretary_a1, activity)


# --- The action area -----------------------------------------------------------------------


def test_organiser_of_a_draft_may_submit_and_edit(cast):
    activity = make_activity(cast)
    html = page(cast, cast.secretary_a1, activity)
    assert transition_forms(html) == {"submit"}
    assert f'name="version" value="{activity.version}"' in html
    assert reverse("activities:edit", kwargs={"pk": activity.pk}) in html


def test_organiser_of_an_activity_not_yet_held_is_told_when_it_can_be_submitted(cast):
    soon = timezone.now() + dt.timedelta(days=3)
    activity = make_activity(cast, starts_at=soon, ends_at=soon + dt.timedelta(hours=1))
    html = page(cast, cast.secretary_a1, activity)
    assert transition_forms(html) == set()
    assert "once it has taken place" in html


def test_reviewer_of_a_submitted_activity_may_approve_or_return_but_not_edit(cast):
    activity = make_activity(cast)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    html = page(cast, cast.staff_a, activity)
    assert transition_forms(html) == {"approve", "return"}
    assert re.search(r'<textarea id="return-comment" name="comment"[^>]* required', html)
    assert reverse("activities:edit", kwargs={"pk": activity.pk}) not in html
    # ... while the organiser now has nothing to do but wait.
    html = page(cast, cast.secretary_a1, activity)
    assert transition_forms(html) == set()
    assert reverse("activities:edit", kwargs={"pk": activity.pk}) not in html


def test_reviewer_of_an_approved_activity_may_reopen_with_a_reason(cast):
    activity = make_activity(cast)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.staff_a)
    html = page(cast, cast.admin_a, activity)
    assert transition_forms(html) == {"reopen"}
    assert re.search(r'<textarea id="reopen-comment" name="comment"[^>]* required', html)
    assert transition_forms(page(cast, cast.secretary_a1, activity)) == set()


def test_committee_staff_organising_a_committee_level_activity_submit_and_review_it(cast):
    activity = make_activity(cast, by=cast.staff_a, branch=None)
    assert transition_forms(page(cast, cast.staff_a, activity)) == {"submit"}
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.staff_a)
    assert transition_forms(page(cast, cast.admin_a, activity)) == {"approve", "return"}


# --- Queries ---------------------------------------------------------------------------------


def _queries_of_page(cast, user, activity) -> int:
    client = cast.client_for(user)
    client.get(detail_url(activity))  # warm up: session, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail_url(activity))
    assert response.status_code == 200
    return len(queries)


def _activity_with(cast, rows: int):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    # It fulfils an item of a plan of ``rows`` items (its progress on the page).
    plan = factories.YearPlanFactory(partnership=partnership, year=timezone.localdate().year)
    items = factories.PlanItemFactory.create_batch(rows, plan=plan, measure=measure_of(cast))
    activity = make_activity(
        cast,
        essentials=False,  # its own partners, attendees and files
        summary="联学联建",
        partnership=partnership,
        plan_item=items[0],
        co_branches=[cast.branch_a2],
        goals=factories.GoalFactory.create_batch(min(rows, 3), committee=cast.committee_a),
        partners=factories.PartnerFactory.create_batch(rows, committee=cast.committee_a),
        attendees=[
            cast.member_a1,
            *factories.MemberFactory.create_batch(rows - 1, branch=cast.branch_a1),
        ],
    )
    for n in range(rows):
        services.attachment_add(
            activity, by=cast.secretary_a1, upload=jpeg(f"p{n}.jpg"), kind=AttachmentKind.PHOTO
        )
        services.attachment_add(
            activity, by=cast.secretary_a1, upload=pdf(f"d{n}.pdf"), kind=AttachmentKind.DOCUMENT
        )
        services.activity_transition(
            activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1
        )
        services.activity_transition(
            activity, action=ActivityAction.RETURNED, by=cast.staff_a, comment=f"第{n}次退回"
        )
    return activity


#: session, user, scope (committee roles, branch roles), activity (its measure and
#: partnership joined), co-organisers, goals, partners, attendees, attachments, events (with
#: their actors and partner contacts), the partners' links and answers (the section
#: "合作单位确认"), the on-site sign-in with its counts (the section "现场签到"), and the
#: navigation's returned/review counts. The partnership's renewal and the plan item fulfilled
#: (with its plan) come with the activity's row; the plan's progress (done / planned, issue
#: 18) is one query more, for an activity that fulfils a plan item (was 15).
DETAIL_QUERIES = {"secretary_a1": 16, "staff_a": 16}


@pytest.mark.parametrize("username", sorted(DETAIL_QUERIES))
def test_query_count_is_pinned_and_does_not_grow_with_rows(cast, username):
    user = getattr(cast, username)
    one = _activity_with(cast, 1)
    ten = _activity_with(cast, 10)
    assert ten.attachments.count() == 20
    # Created, then per round: a photo and a document added (each on the timeline), submitted,
    # returned.
    assert ten.events.count() == 1 + 10 * 4
    assert _queries_of_page(cast, user, one) == DETAIL_QUERIES[username]
    assert _queries_of_page(cast, user, ten) == DETAIL_QUERIES[username]


def test_the_organiser_adds_a_photo_from_the_activity_page(cast, settings, tmp_path):
    """The page offers "Add photos or files" to the organiser only; it comes back to the page."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(cast, essentials=False)
    page = english(cast.client_for(cast.secretary_a1)).get(detail_url(activity))
    assert "Add photos or files" in page.content.decode()
    for reader in (cast.staff_a, cast.admin_a):
        other = english(cast.client_for(reader)).get(detail_url(activity))
        assert "Add photos or files" not in other.content.decode()

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(buffer, "JPEG")
    photo = SimpleUploadedFile("site.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = english(cast.client_for(cast.secretary_a1)).post(
        reverse("activities:attachment_upload", args=[activity.pk]),
        {
            "back": "detail",
            "attachments-TOTAL_FORMS": "1",
            "attachments-INITIAL_FORMS": "0",
            "attachments-0-kind": "photo",
            "attachments-0-caption": "现场",
            "attachments-0-files": photo,
        },
        follow=True,
    )
    assert response.redirect_chain == [(detail_url(activity), 302)]
    assert [a.caption for a in activity.attachments.all()] == ["现场"]
    assert "Files added: 1." in response.content.decode()
