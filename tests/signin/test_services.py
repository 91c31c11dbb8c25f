"""The sign-in's rules, below the pages: who holds it, when it takes sign-ins, its rotating
token and code, who counts as what, duplicates, and the list written into the activity."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from activities.exports import evidence_names
from activities.models import Activity, ActivityAction, ActivityStatus, AttachmentKind
from activities.services import activity_transition, activity_update
from branches.models import AuditAction, AuditEntry
from portal.records.content import record_content
from portal.records.selectors import with_record_details
from portal.signin import services, tokens
from portal.signin.models import EntryKind, EntryMethod, SheetState, SignInEntry, SignInSheet
from tests import factories

pytestmark = pytest.mark.django_db


# --- Who holds it --------------------------------------------------------------------------


def test_the_organising_branch_opens_the_sign_in_once_and_the_timeline_says_so(cast, venue):
    sheet = services.sheet_open(venue, by=cast.secretary_a1)
    again = services.sheet_open(venue, by=cast.secretary_a1)

    assert again.pk == sheet.pk
    assert sheet.state() == SheetState.OPEN
    assert list(venue.events.filter(action=ActivityAction.SIGNIN_OPENED)) != []
    assert venue.events.filter(action=ActivityAction.SIGNIN_OPENED).count() == 1


def test_a_co_organising_branch_holds_it_too_but_not_another_branch_nor_staff(cast, venue):
    assert not services.may_hold_signin(cast.secretary_a2, venue)
    assert not services.may_hold_signin(cast.staff_a, venue)
    assert not services.may_hold_signin(cast.admin_b, venue)
    with pytest.raises(PermissionDenied):
        services.sheet_open(venue, by=cast.secretary_a2)
    assert not SignInSheet.objects.filter(activity=venue).exists()

    venue.co_branches.add(cast.branch_a2)
    assert services.may_hold_signin(cast.secretary_a2, venue)
    assert services.sheet_open(venue, by=cast.secretary_a2).opened_by == cast.secretary_a2


def test_committee_staff_hold_the_sign_in_of_a_committee_level_activity(cast, chunjiang):
    now = timezone.now()
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=None,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=1),
        status=ActivityStatus.DRAFT,
        partners=[chunjiang],
        attendees=[],
    )
    assert services.may_hold_signin(cast.staff_a, activity)
    assert not services.may_hold_signin(cast.secretary_a1, activity)


def test_a_submitted_activity_gets_no_sign_in_and_its_list_no_changes(cast, venue, sheet):
    venue.status = ActivityStatus.SUBMITTED
    venue.save(update_fields=["status"])
    sheet.activity.refresh_from_db()

    with pytest.raises(ValidationError):
        services.sheet_close(sheet, by=cast.secretary_a1)
    with pytest.raises(ValidationError):
        services.entry_add_member(sheet, cast.member_a1, by=cast.secretary_a1)
    with pytest.raises(services.SignInRefused):
        services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    assert not sheet.entries.exists()


# --- When it takes sign-ins ----------------------------------------------------------------


def test_the_window_opens_an_hour_before_the_start_and_ends_with_the_activity(
    cast, venue, settings
):
    settings.SIGNIN_OPENS_MINUTES = 60
    now = timezone.now()
    venue.starts_at = now + dt.timedelta(minutes=90)
    venue.ends_at = now + dt.timedelta(hours=3)
    venue.save()
    sheet = services.sheet_open(venue, by=cast.secretary_a1)

    assert sheet.state() == SheetState.NOT_YET
    with pytest.raises(services.SignInRefused, match="签到将于"):
        services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    assert sheet.state(now + dt.timedelta(minutes=31)) == SheetState.OPEN
    assert sheet.state(now + dt.timedelta(hours=3, seconds=1)) == SheetState.ENDED

    settings.SIGNIN_OPENS_MINUTES = 100
    assert sheet.accepts()
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)


def test_closed_it_refuses_sign_ins_and_reopened_it_takes_them_again(cast, venue, sheet):
    services.sheet_close(sheet, by=cast.secretary_a1)
    with pytest.raises(services.SignInRefused, match="已结束"):
        services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)

    services.sheet_open(venue, by=cast.secretary_a1)
    sheet.refresh_from_db()
    assert sheet.state() == SheetState.OPEN
    assert services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN).created
    actions = list(venue.events.values_list("action", flat=True))
    assert ActivityAction.SIGNIN_CLOSED in actions
    assert ActivityAction.SIGNIN_REOPENED in actions


def test_after_the_activity_ended_it_is_neither_opened_nor_reopened(cast, venue, sheet):
    services.sheet_close(sheet, by=cast.secretary_a1)
    venue.ends_at = timezone.now() - dt.timedelta(minutes=1)
    venue.starts_at = venue.ends_at - dt.timedelta(hours=1)
    venue.save()
    with pytest.raises(ValidationError, match="已结束"):
        services.sheet_open(venue, by=cast.secretary_a1)
    other = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        starts_at=venue.starts_at,
        ends_at=venue.ends_at,
        status=ActivityStatus.DRAFT,
    )
    with pytest.raises(ValidationError, match="补录"):
        services.sheet_open(other, by=cast.secretary_a1)


# --- The rotating token and code -----------------------------------------------------------


def test_the_qr_token_is_good_for_its_minute_and_the_grace_period_then_stale(sheet, settings):
    settings.SIGNIN_TOKEN_GRACE_SECONDS = 30
    minute = tokens.window_at()
    token = tokens.scan_token(sheet, minute)
    start = minute * tokens.WINDOW

    assert tokens.check_token(sheet, token, now=start + 1) == EntryMethod.SCAN
    assert tokens.check_token(sheet, token, now=start + 59) == EntryMethod.SCAN
    assert tokens.check_token(sheet, token, now=start + 60 + 29) == EntryMethod.SCAN
    with pytest.raises(tokens.TokenStale):
        tokens.check_token(sheet, token, now=start + 60 + 31)
    with pytest.raises(tokens.TokenStale):
        tokens.check_token(sheet, token, now=start + 600)
    # The next minute's token is another one.
    assert tokens.scan_token(sheet, minute + 1) != token


def test_a_forged_or_other_sheets_token_is_not_valid(cast, sheet, chunjiang):
    minute = tokens.window_at()
    token = tokens.scan_token(sheet, minute)
    public_id, hex_minute, mac = token.split(".")
    forged = f"{public_id}.{hex_minute}.{'a' * len(mac)}"
    later = f"{public_id}.{minute + 5:x}.{mac}"
    other_activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        starts_at=sheet.activity.starts_at,
        ends_at=sheet.activity.ends_at,
        status=ActivityStatus.DRAFT,
    )
    other = services.sheet_open(other_activity, by=cast.secretary_a1)

    for bad in (forged, later, "x", f"{public_id}..{mac}", tokens.scan_token(other, minute)):
        with pytest.raises(ValueError, match=r"token|minute"):
            tokens.check_token(sheet, bad)
    assert tokens.check_token(sheet, tokens.poster_token(sheet)) == EntryMethod.POSTER
    with pytest.raises(ValueError, match="token"):
        tokens.check_token(sheet, tokens.poster_token(other))


def test_the_six_digit_code_changes_every_minute_with_the_same_grace(sheet, settings):
    settings.SIGNIN_TOKEN_GRACE_SECONDS = 30
    minute = tokens.window_at()
    code = tokens.short_code(sheet, minute)
    start = minute * tokens.WINDOW

    assert len(code) == 6
    assert code.isdigit()
    assert tokens.code_matches(sheet, code, now=start + 70)
    assert not tokens.code_matches(sheet, code, now=start + 95)
    assert len({tokens.short_code(sheet, minute + n) for n in range(20)}) > 15


def test_a_pass_is_for_its_sheet_and_its_minutes_only(cast, sheet, settings):
    value = tokens.make_pass(sheet, EntryMethod.CODE, "phone-1")
    assert tokens.read_pass(sheet, value, "phone-1") == EntryMethod.CODE
    assert tokens.read_pass(sheet, value + "x", "phone-1") is None
    # Forwarded to another phone (another cookie, or none), it opens nothing.
    assert tokens.read_pass(sheet, value, "phone-2") is None
    assert tokens.read_pass(sheet, value, "") is None
    other_activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        starts_at=sheet.activity.starts_at,
        ends_at=sheet.activity.ends_at,
        status=ActivityStatus.DRAFT,
    )
    other = services.sheet_open(other_activity, by=cast.secretary_a1)
    assert tokens.read_pass(other, value, "phone-1") is None


# --- Who counts as what, and duplicates ----------------------------------------------------


def test_members_of_the_organising_branches_attend_others_are_guests(cast, venue, sheet):
    venue.co_branches.add(cast.branch_a2)
    other_branch = factories.BranchFactory(committee=cast.committee_a, name="苏州项目公司党支部")
    guest = factories.MemberFactory(branch=other_branch, name="赵敏")

    a1 = services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    a2 = services.member_sign_in(sheet, cast.member_a2, method=EntryMethod.CODE)
    visitor = services.member_sign_in(sheet, guest, method=EntryMethod.SCAN)

    assert (a1.entry.kind, a2.entry.kind) == (EntryKind.ATTENDEE, EntryKind.ATTENDEE)
    assert visitor.entry.kind == EntryKind.MEMBER_GUEST
    with pytest.raises(services.SignInRefused):
        services.member_sign_in(sheet, cast.member_b1, method=EntryMethod.SCAN)


def test_a_second_sign_in_by_the_same_member_changes_nothing(cast, sheet):
    first = services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    second = services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.CODE)

    assert first.created
    assert not second.created
    assert second.entry.pk == first.entry.pk
    assert sheet.entries.count() == 1


def test_guests_sign_in_with_name_and_unit_once_per_name_and_phone(cast, sheet, chunjiang):
    staff = services.guest_sign_in(
        sheet, name="钱 多多", partner=chunjiang, phone="13900001234", method="scan", device="p1"
    )
    again = services.guest_sign_in(
        sheet, name="钱多多", partner=chunjiang, method="scan", device="p1"
    )
    with pytest.raises(ValidationError, match="此手机"):
        services.guest_sign_in(
            sheet, name="钱多多", partner=None, unit_name="某某公司", method="scan", device="p1"
        )
    other = services.guest_sign_in(
        sheet, name="孙小美", partner=None, unit_name="江滨社区", method="code", device="p1"
    )

    assert staff.created
    assert not again.created
    assert staff.entry.kind == EntryKind.PARTNER
    assert other.entry.kind == EntryKind.GUEST
    assert staff.entry.masked_phone == "139****1234"
    assert sheet.entries.count() == 2


def test_a_guests_unit_is_one_of_the_activitys_partners_or_named(cast, sheet):
    stranger = factories.PartnerFactory(committee=cast.committee_a, name="别的单位")
    with pytest.raises(ValidationError):
        services.guest_sign_in(sheet, name="甲", partner=stranger, method="scan", device="d")
    with pytest.raises(ValidationError):
        services.guest_sign_in(
            sheet, name="乙", partner=None, unit_name=" ", method="scan", device=""
        )
    with pytest.raises(ValidationError):
        services.guest_sign_in(
            sheet, name="丙", partner=None, unit_name="某单位", phone="12", method="scan", device=""
        )
    assert not sheet.entries.exists()


# --- The list becomes the record -----------------------------------------------------------


def pdf_text(attachment) -> str:
    with attachment.file.open("rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    # The title's letters are spaced apart on the page: compare without white space.
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_closing_writes_attendees_head_count_and_the_sign_in_sheet_pdf(
    cast, venue, sheet, chunjiang
):
    venue.attendees.add(cast.member_a2)  # ticked before: the list replaces it
    version = venue.version
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    services.member_sign_in(
        sheet, factories.MemberFactory(branch=cast.branch_a2, name="周杰"), method="scan"
    )
    services.guest_sign_in(sheet, name="钱多多", partner=chunjiang, method="scan", device="a")
    services.guest_sign_in(
        sheet, name="孙小美", partner=None, unit_name="江滨社区", method="code", device="b"
    )

    services.sheet_close(sheet, by=cast.secretary_a1)
    venue.refresh_from_db()

    assert list(venue.attendees.all()) == [cast.member_a1]
    assert venue.external_participants == 2
    assert venue.version == version + 1
    [attachment] = venue.attachments.filter(kind=AttachmentKind.SIGN_IN_SHEET)
    text = pdf_text(attachment)
    for words in (
        "签到表",
        venue.title,
        "春江街道党群服务中心",
        "张伟",
        "钱多多",
        "春江街道",
        "孙小美",
        "江滨社区",
        "周杰",
        "扫码",
    ):
        assert words in text, words
    assert "13900001234" not in text
    closed = venue.events.get(action=ActivityAction.SIGNIN_CLOSED)
    assert "4" in closed.comment


def test_hand_changes_after_closing_update_the_record_and_replace_the_sheet(cast, venue, sheet):
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    services.sheet_close(sheet, by=cast.secretary_a1)
    first = venue.attachments.get(kind=AttachmentKind.SIGN_IN_SHEET)
    other = factories.MemberFactory(branch=cast.branch_a1, name="吴用")

    services.entry_add_member(sheet, other, by=cast.secretary_a1)

    venue.refresh_from_db()
    assert set(venue.attendees.all()) == {cast.member_a1, other}
    [second] = venue.attachments.filter(kind=AttachmentKind.SIGN_IN_SHEET)
    assert second.pk != first.pk
    assert "吴用" in pdf_text(second)
    assert "补录" in pdf_text(second)
    hand = venue.events.get(action=ActivityAction.SIGNIN_CHANGED)
    assert hand.actor == cast.secretary_a1
    assert "吴用" in hand.comment


def test_removing_an_entry_is_on_the_timeline_and_in_the_audit_log(cast, venue, sheet):
    wrong = services.guest_sign_in(
        sheet, name="乱填的名字", partner=None, unit_name="无", method="scan", device="z"
    ).entry

    services.entry_remove(wrong, by=cast.secretary_a1)

    assert not SignInEntry.objects.filter(pk=wrong.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.SIGNIN_ENTRY_REMOVED)
    assert entry.object_type_display() == "签到记录"  # as the audit page shows it
    assert entry.user == cast.secretary_a1
    assert entry.committee == cast.committee_a
    assert "乱填的名字" in venue.events.get(action=ActivityAction.SIGNIN_CHANGED).comment
    with pytest.raises(PermissionDenied):
        services.entry_remove(
            services.guest_sign_in(
                sheet, name="某人", partner=None, unit_name="无", method="scan", device="y"
            ).entry,
            by=cast.secretary_a2,
        )


def test_the_generated_sheet_is_in_the_ledger_and_the_record_like_a_photographed_one(
    cast, venue, sheet
):
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    services.sheet_close(sheet, by=cast.secretary_a1)
    activity = with_record_details(Activity.objects.filter(pk=venue.pk)).get()

    assert "签到表：签到表 春江街道联建主题党日.pdf" in evidence_names(activity)
    [item] = record_content(activity)["sign_in_sheets"]
    assert item["name"] == "签到表 春江街道联建主题党日.pdf"


def test_an_activity_with_an_open_sign_in_is_not_submitted_until_it_is_closed(cast, venue, sheet):
    venue.summary = "与春江街道共同开展主题党日。"
    venue.save()
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    with pytest.raises(ValidationError, match="现场签到"):
        activity_transition(venue, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)

    services.sheet_close(sheet, by=cast.secretary_a1)
    activity_transition(venue, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    venue.refresh_from_db()
    assert venue.status == ActivityStatus.SUBMITTED
    assert list(venue.attendees.all()) == [cast.member_a1]


# --- From the review: the list follows the organisers, the record its confirmation ---------


def test_a_co_organiser_removed_after_its_members_signed_in_makes_them_guests(cast, venue, sheet):
    venue.co_branches.add(cast.branch_a2)
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    services.member_sign_in(sheet, cast.member_a2, method=EntryMethod.SCAN)
    venue.co_branches.remove(cast.branch_a2)

    services.sheet_close(sheet, by=cast.secretary_a1)

    venue.refresh_from_db()
    assert list(venue.attendees.all()) == [cast.member_a1]
    assert sheet.entries.get(member=cast.member_a2).kind == EntryKind.MEMBER_GUEST


def test_a_hand_change_after_the_activity_was_edited_waits_for_the_numbers_to_be_checked(
    cast, venue, sheet
):
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    services.sheet_close(sheet, by=cast.secretary_a1)
    venue.refresh_from_db()
    # The organiser corrects the head count in the activity's form afterwards.
    activity_update(
        venue,
        by=cast.secretary_a1,
        expected_version=venue.version,
        partners=list(venue.partners.all()),
        attendees=list(venue.attendees.all()),
        external_participants=7,
    )
    other = factories.MemberFactory(branch=cast.branch_a1, name="吴用")

    services.entry_add_member(sheet, other, by=cast.secretary_a1)

    venue.refresh_from_db()
    sheet.refresh_from_db()
    assert venue.external_participants == 7
    assert list(venue.attendees.all()) == [cast.member_a1]
    assert sheet.awaits_confirmation()

    assert services.sheet_close(sheet, by=cast.secretary_a1, seen=services.list_fingerprint(sheet))
    venue.refresh_from_db()
    sheet.refresh_from_db()
    assert set(venue.attendees.all()) == {cast.member_a1, other}
    assert venue.external_participants == 0
    assert not sheet.awaits_confirmation()


def test_the_numbers_checked_are_the_numbers_written(cast, venue, sheet, chunjiang):
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    seen = services.list_fingerprint(sheet)
    services.guest_sign_in(sheet, name="迟到者", partner=chunjiang, method="scan", device="x")

    with pytest.raises(services.ListChanged):
        services.sheet_close(sheet, by=cast.secretary_a1, seen=seen)
    sheet.refresh_from_db()
    assert sheet.closed_at is None
    assert not venue.attachments.filter(kind=AttachmentKind.SIGN_IN_SHEET).exists()


def test_closing_an_empty_sign_in_keeps_what_was_entered_by_hand(cast, venue, sheet):
    venue.attendees.add(cast.member_a1)
    Activity.objects.filter(pk=venue.pk).update(external_participants=12)

    assert services.sheet_close(sheet, by=cast.secretary_a1) is False

    venue.refresh_from_db()
    sheet.refresh_from_db()
    assert sheet.closed_at is not None
    assert list(venue.attendees.all()) == [cast.member_a1]
    assert venue.external_participants == 12
    assert not venue.attachments.filter(kind=AttachmentKind.SIGN_IN_SHEET).exists()


def test_the_poster_photographed_before_a_reopening_opens_nothing(cast, venue, sheet):
    before = tokens.poster_token(sheet)
    services.sheet_close(sheet, by=cast.secretary_a1)
    reopened = services.sheet_open(venue, by=cast.secretary_a1)

    assert tokens.check_token(reopened, tokens.poster_token(reopened)) == EntryMethod.POSTER
    with pytest.raises(ValueError, match="poster"):
        tokens.check_token(reopened, before)


def test_two_people_of_one_name_from_two_phones_are_two_entries(sheet, chunjiang):
    first = services.guest_sign_in(sheet, name="王伟", partner=chunjiang, method="scan", device="a")
    second = services.guest_sign_in(
        sheet, name="王伟", partner=chunjiang, method="scan", device="b"
    )
    same_phone_number = services.guest_sign_in(
        sheet, name="李强", partner=chunjiang, phone="13900001111", method="scan", device="c"
    )
    again = services.guest_sign_in(
        sheet, name="李强", partner=chunjiang, phone="13900001111", method="code", device="d"
    )

    assert first.created
    assert second.created
    assert not again.created
    assert again.entry.pk == same_phone_number.entry.pk
    assert sheet.entries.count() == 3


def test_one_phone_signs_in_a_few_people_not_a_crowd(sheet):
    for n in range(services.NAMES_PER_PHONE):
        services.guest_sign_in(
            sheet, name=f"同事{n}", partner=None, unit_name="江滨社区", method="scan", device="p"
        )
    with pytest.raises(ValidationError, match="请用自己的手机"):
        services.guest_sign_in(
            sheet, name="又一人", partner=None, unit_name="江滨社区", method="scan", device="p"
        )
    assert sheet.entries.count() == services.NAMES_PER_PHONE


def test_a_member_who_transferred_out_signs_in_as_a_guest_not_as_a_member(cast, sheet):
    Member = type(cast.member_a1)
    Member.objects.filter(pk=cast.member_a1.pk).update(
        active_from=timezone.localdate() - dt.timedelta(days=400),
        active_to=timezone.localdate() - dt.timedelta(days=1),
    )
    cast.member_a1.refresh_from_db()
    with pytest.raises(services.SignInRefused, match="名册"):
        services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)


def test_a_two_day_activitys_sheet_shows_both_dates(cast, venue, sheet):
    venue.ends_at = venue.starts_at + dt.timedelta(days=1, hours=8)
    venue.save()
    services.member_sign_in(sheet, cast.member_a1, method=EntryMethod.SCAN)
    services.sheet_close(sheet, by=cast.secretary_a1)
    text = pdf_text(venue.attachments.get(kind=AttachmentKind.SIGN_IN_SHEET))
    ends = timezone.localtime(venue.ends_at)
    assert ends.strftime("%Y-%m-%d") in text
