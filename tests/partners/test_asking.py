"""The branch asks the partners (/activities/<pk>/partners/): the contacts to tick, the links
shown once with their QR codes, the refusals; the section "共建单位确认" on the activity page;
withdrawing a link and the one reminder. Each page for the owner, the outsider, staff and the
committee admins."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityStatus, PartnerCheck
from portal.partners import services
from portal.partners.models import PartnerLink, Verdict, token_hash
from tests import factories
from tests.partners.conftest import new_activity, tokens_in
from tests.portal.test_chinese_pages import ALLOWED, english_words

pytestmark = pytest.mark.django_db


def ask_url(activity) -> str:
    return reverse("partners:ask", args=[activity.pk])


def detail_url(activity) -> str:
    return reverse("activities:detail", args=[activity.pk])


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def issue(activity, contacts, by, *, now=None):
    return services.partner_links_issue(activity=activity, contacts=contacts, by=by, now=now)


# --- The page asking the partners -------------------------------------------------------------


def test_the_owner_ticks_among_each_units_contacts_the_default_one_ticked(
    cast, activity, zhang, wang, li
):
    empty = factories.PartnerFactory(committee=cast.committee_a, name="江滨社区")
    activity.partners.add(empty)

    response = cast.client_for(cast.secretary_a1).get(ask_url(activity))

    assert response.status_code == 200
    units = [(u.partner.name, [c.name for c in u.contacts]) for u in response.context["units"]]
    assert units == [("富春湾集团", ["李四"]), ("春江街道", ["张三", "王五"]), ("江滨社区", [])]
    text = page_text(response)
    # Each unit's default contact is ticked: 春江街道's marked one, 富春湾集团's only one.
    assert f'value="{zhang.pk}" checked' in text
    assert f'value="{li.pk}" checked' in text
    assert f'value="{wang.pk}">' in text
    assert "默认联系人" in text
    assert "同时发送邮件" in text
    assert "无电子邮箱：请复制链接或出示二维码" in text
    # A unit without contacts says so; a secretary cannot add them, the committee admin can.
    assert "该单位尚未登记联系人。" in text
    assert "请党委管理员在共建单位名册中添加联系人。" in text
    admin_page = page_text(cast.client_for(cast.admin_a).get(ask_url(activity)))
    change = reverse("admin:partnerships_partnerorganisation_change", args=[empty.pk])
    assert f'href="{change}"' in admin_page


@pytest.mark.parametrize(
    ("username", "status"),
    [("secretary_a2", 404), ("admin_b", 404), ("staff_a", 403), ("admin_a", 200)],
)
def test_outsiders_get_404_and_staff_who_only_read_it_403(cast, activity, username, status):
    client = cast.client_for(getattr(cast, username))
    assert client.get(ask_url(activity)).status_code == status


@pytest.mark.parametrize("username", ["secretary_a2", "admin_b", "staff_a"])
def test_a_post_by_anyone_else_issues_nothing(cast, activity, zhang, username):
    client = cast.client_for(getattr(cast, username))
    response = client.post(ask_url(activity), {"contacts": [zhang.pk]})
    assert response.status_code in (403, 404)
    assert not PartnerLink.objects.exists()


def test_asking_shows_each_link_once_with_its_qr_code_and_keeps_only_its_hash(
    cast, activity, zhang, li, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.secretary_a1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ask_url(activity), {"contacts": [zhang.pk, li.pk]})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = page_text(response)
    assert "此链接只显示一次" in text
    assert "离开本页后无法再次显示" in text
    tokens = tokens_in(text)
    assert len(set(tokens)) == 2
    # Absolute links in read-only fields, each with its copy button and its QR code.
    for token in tokens:
        assert f'value="http://testserver/p/{token}/" readonly' in text
    assert text.count('class="qr-code"') == 2
    assert text.count("data-copy=") == 2
    assert "张三" in text
    assert "李四" in text
    assert "春江社区理论联学" in text
    assert (
        '另有一个专属链接正通过电子邮件发送至： <span translate="no">zhangsan@cj.example.cn' in text
    )
    # No English word but the login's name in the header (the cast's logins have no full name).
    assert english_words(response.content.decode(), allowed=ALLOWED | {"secretary_a1"}) == []
    # The database keeps the hashes: the tokens shown are found only through them.
    shown = set(
        PartnerLink.objects.filter(emailed_at__isnull=True).values_list("token_hash", flat=True)
    )
    assert shown == {token_hash(token) for token in tokens}
    assert [m.to for m in mail.outbox] == [["zhangsan@cj.example.cn"]]
    activity.refresh_from_db()
    assert activity.partner_check == PartnerCheck.PENDING


def test_a_committee_admin_asks_too(cast, activity, li):
    response = cast.client_for(cast.admin_a).post(ask_url(activity), {"contacts": [li.pk]})
    assert response.status_code == 200
    assert PartnerLink.objects.get().created_by == cast.admin_a


@pytest.mark.parametrize(
    ("posted", "refusal"),
    [
        (lambda w: [], "请至少选择一位联系人。"),
        (lambda w: [w["stranger"].pk], "只能邀请本活动共建单位的联系人。"),
        (lambda w: [w["foreign"].pk], "只能邀请本活动共建单位的联系人。"),
        (lambda w: ["999999999", "abc"], "只能邀请本活动共建单位的联系人。"),
        (lambda w: [w["zhang"].pk, "<script>"], "只能邀请本活动共建单位的联系人。"),
    ],
    ids=["none chosen", "another unit", "another committee", "forged ids", "one forged"],
)
def test_a_refused_ask_comes_back_as_a_message_with_nothing_saved(
    cast, activity, zhang, posted, refusal
):
    world = {
        "zhang": zhang,
        "stranger": factories.ContactFactory(
            partner=factories.PartnerFactory(committee=cast.committee_a, name="另一社区")
        ),
        "foreign": factories.ContactFactory(
            partner=factories.PartnerFactory(committee=cast.committee_b)
        ),
    }
    client = cast.client_for(cast.secretary_a1)

    response = client.post(ask_url(activity), {"contacts": posted(world)}, follow=True)

    assert response.redirect_chain == [(ask_url(activity), 302)]
    assert refusal in messages_of(response)
    assert not PartnerLink.objects.exists()
    activity.refresh_from_db()
    assert activity.partner_check == PartnerCheck.NOT_ASKED


def test_a_draft_is_not_asked_about_the_page_says_when_it_can_be(cast, chunjiang, zhang):
    draft = new_activity(cast, partners=[chunjiang], status=ActivityStatus.DRAFT)
    client = cast.client_for(cast.secretary_a1)

    page = page_text(client.get(ask_url(draft)))
    assert "活动提交审核后，才能邀请共建单位确认。" in page
    assert 'name="contacts"' not in page

    response = client.post(ask_url(draft), {"contacts": [zhang.pk]}, follow=True)
    assert "活动提交审核后，才能邀请共建单位确认。" in messages_of(response)
    assert not PartnerLink.objects.exists()


def test_submitting_an_activity_with_partners_prompts_to_ask_them(cast, chunjiang, zhang):
    draft = new_activity(cast, partners=[chunjiang], status=ActivityStatus.DRAFT)
    client = cast.client_for(cast.secretary_a1)

    response = client.post(
        reverse("activities:transition", args=[draft.pk, "submit"]),
        {"version": draft.version},
        follow=True,
    )

    assert any("下一步：请共建单位确认这条记录" in m for m in messages_of(response))
    text = page_text(response)
    assert f'href="{ask_url(draft)}"' in text
    assert "邀请共建单位确认" in text


# --- The section on the activity page ---------------------------------------------------------


def test_the_activity_page_shows_the_links_and_the_answers_to_whoever_reads_it(
    cast, activity, zhang, li
):
    to_zhang, to_li = issue(activity, [zhang, li], cast.secretary_a1)
    services.partner_answer_record(
        link=to_zhang.link,
        activity=activity,
        verdict=Verdict.CONFIRMED,
        partner_head_count=12,
        comment="活动组织有序",
        rating="satisfied",
        rating_comment="希望多开展",
    )

    for user in (cast.secretary_a1, cast.staff_a, cast.admin_a):
        text = page_text(cast.client_for(user).get(detail_url(activity)))
        assert "共建单位确认" in text
        assert "共建单位已确认这条记录情况属实。" in text
        assert "本单位参加12人" in text
        assert "活动组织有序" in text
        assert "评价：满意 · 希望多开展" in text
        assert "张三（春江街道）" in text
        assert "李四（富春湾集团）" in text
        assert "已答复" in text
        assert "有效" in text
        # The tokens are nowhere: the page cannot show a link again.
        assert to_zhang.token not in text
        assert to_li.token not in text

    staff_page = page_text(cast.client_for(cast.staff_a).get(detail_url(activity)))
    owner_page = page_text(cast.client_for(cast.secretary_a1).get(detail_url(activity)))
    withdraw = reverse("partners:link_withdraw", args=[to_li.link.pk])
    assert withdraw in owner_page
    assert withdraw not in staff_page
    assert ask_url(activity) in owner_page
    assert ask_url(activity) not in staff_page
    outsider = cast.client_for(cast.secretary_a2).get(detail_url(activity))
    assert outsider.status_code == 404


def test_a_superseded_confirmation_prompts_to_ask_again(cast, activity, zhang):
    (to_zhang,) = issue(activity, [zhang], cast.secretary_a1)
    services.partner_answer_record(link=to_zhang.link, activity=activity, verdict=Verdict.CONFIRMED)
    type(activity).all_objects.filter(pk=activity.pk).update(partner_check=PartnerCheck.SUPERSEDED)

    text = page_text(cast.client_for(cast.secretary_a1).get(detail_url(activity)))
    assert "确认后已修改" in text
    assert "原确认不再有效，请再次邀请确认" in text
    assert "再次邀请确认" in text
    assert ask_url(activity) in text


def test_an_activity_without_partners_shows_no_section(cast):
    alone = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, partners=[], no_partner_reason="内部学习"
    )
    text = page_text(cast.client_for(cast.secretary_a1).get(detail_url(alone)))
    assert "共建单位确认" not in text


def _queries_of(client, url) -> int:
    client.get(url)  # warm up: session, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_activity_pages_queries_do_not_grow_with_links_and_answers(
    cast, chunjiang, fuchunwan, zhang, li
):
    few = new_activity(cast, partners=[chunjiang, fuchunwan], title="少量链接")
    many = new_activity(cast, partners=[chunjiang, fuchunwan], title="大量链接")
    issue(few, [zhang], cast.secretary_a1)
    contacts = [
        factories.ContactFactory(partner=chunjiang, email=f"c{n}@cj.example.cn") for n in range(8)
    ]
    for link in issue(many, [zhang, li, *contacts], cast.secretary_a1):
        if link.link.contact_id != li.pk:
            services.partner_answer_record(
                link=link.link, activity=many, verdict=Verdict.CONFIRMED, rating="fair"
            )
    issue(many, [li], cast.admin_a)
    assert many.partner_links.count() == 11
    assert many.partner_answers.count() == 9

    for user in (cast.secretary_a1, cast.staff_a):
        client = cast.client_for(user)
        assert _queries_of(client, detail_url(few)) == _queries_of(client, detail_url(many))


# --- Withdrawing and reminding ----------------------------------------------------------------


def test_the_owner_withdraws_a_link_after_confirming(cast, activity, li):
    (to_li,) = issue(activity, [li], cast.secretary_a1)
    url = reverse("partners:link_withdraw", args=[to_li.link.pk])
    client = cast.client_for(cast.secretary_a1)

    confirm = page_text(client.get(url))
    assert "撤回后，链接将无法打开" in confirm
    assert "李四（富春湾集团）" in confirm
    to_li.link.refresh_from_db()
    assert to_li.link.revoked_at is None  # the GET changes nothing

    response = client.post(url, follow=True)
    assert response.redirect_chain == [(detail_url(activity), 302)]
    assert "已撤回发给李四（富春湾集团）的链接，该链接从此无法打开。" in messages_of(response)
    text = page_text(response)
    assert "已撤回" in text
    assert "未邀请" in text
    assert services.partner_link_find(to_li.token, purpose="answer") is None


@pytest.mark.parametrize(
    ("username", "status"),
    [("secretary_a2", 404), ("admin_b", 404), ("staff_a", 403)],
)
def test_others_cannot_withdraw_or_remind(cast, activity, zhang, username, status):
    (to_zhang,) = issue(
        activity, [zhang], cast.secretary_a1, now=timezone.now() - dt.timedelta(days=9)
    )
    client = cast.client_for(getattr(cast, username))
    withdraw = reverse("partners:link_withdraw", args=[to_zhang.link.pk])
    remind = reverse("partners:link_remind", args=[to_zhang.link.pk])

    assert client.get(withdraw).status_code == status
    assert client.post(withdraw).status_code == status
    assert client.post(remind).status_code == status
    assert not PartnerLink.objects.filter(revoked_at__isnull=False).exists()
    assert not PartnerLink.objects.filter(reminded_at__isnull=False).exists()


def test_a_committee_admin_withdraws_a_link(cast, activity, li):
    (to_li,) = issue(activity, [li], cast.secretary_a1)
    response = cast.client_for(cast.admin_a).post(
        reverse("partners:link_withdraw", args=[to_li.link.pk])
    )
    assert response.status_code == 302
    to_li.link.refresh_from_db()
    assert to_li.link.revoked_by == cast.admin_a


def test_the_remind_button_shows_after_a_week_and_mails_the_one_reminder(
    cast, activity, zhang, li, django_capture_on_commit_callbacks
):
    week_ago = timezone.now() - dt.timedelta(days=8)
    with django_capture_on_commit_callbacks(execute=True):
        to_zhang, to_li = issue(activity, [zhang, li], cast.secretary_a1, now=week_ago)
    mail.outbox.clear()
    client = cast.client_for(cast.secretary_a1)
    remind = reverse("partners:link_remind", args=[to_zhang.link.pk])

    page = page_text(client.get(detail_url(activity)))
    assert remind in page
    # 李四 has no address: no reminder to offer.
    assert reverse("partners:link_remind", args=[to_li.link.pk]) not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remind, follow=True)
    assert (
        "正在向张三（春江街道）（zhangsan@cj.example.cn）发送提醒邮件，内含新的链接。"
        in messages_of(response)
    )
    (reminder,) = mail.outbox
    assert reminder.subject.startswith("提醒：")
    assert "邮件提醒" in page_text(response)
    assert remind not in page_text(response)  # once only

    again = client.post(remind, follow=True)
    assert "已提醒过该联系人。" in messages_of(again)
    assert len(mail.outbox) == 1


def test_the_sections_forms_carry_the_csrf_token(cast, activity, zhang):
    """The remind form is rendered by the section's template tag: a browser's POST passes the
    CSRF check."""
    week_ago = timezone.now() - dt.timedelta(days=8)
    (to_zhang,) = issue(activity, [zhang], cast.secretary_a1, now=week_ago)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.secretary_a1)
    page = client.get(detail_url(activity)).content.decode()
    remind = reverse("partners:link_remind", args=[to_zhang.link.pk])
    form = page[page.index(f'action="{remind}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]

    response = client.post(remind, {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    to_zhang.link.refresh_from_db()
    assert to_zhang.link.reminded_at is not None


def test_a_remind_is_a_post(cast, activity, zhang):
    (to_zhang,) = issue(activity, [zhang], cast.secretary_a1)
    client = cast.client_for(cast.secretary_a1)
    assert client.get(reverse("partners:link_remind", args=[to_zhang.link.pk])).status_code == 405
