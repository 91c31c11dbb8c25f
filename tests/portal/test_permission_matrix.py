"""Every URL the portal has, for every kind of user: the answer, written down by hand.

The table below (``MATRIX``) names each URL pattern by its route string, the method it is
asked with, the object it is asked about and the expected outcome for each of

    anonymous | secretary of A1 (owner) | secretary of A2 (outsider in the committee)
    | committee staff of A | committee admin of A | committee staff of B | committee admin of B

It is not derived from the access code it checks: when a rule changes, a row has to be changed
by hand. Every pattern ``get_resolver()`` knows must appear in a row (and every row's pattern
must exist), so a new URL fails ``test_every_url_pattern_has_a_row_and_every_row_a_pattern``
until somebody decides who may open it. The rows run in sections (one test per route, one per
admin model) so that a failure names every user and URL that got an unexpected answer.

Object URLs point at real objects of committee A, mostly of its branch A1: a draft activity
with a photo (and the photo's thumbnail, made by ``attachment_add``), a partner contact, a
member, a partnership with its signed agreement, an activity taking place now with its on-site
sign-in open (a partner's staff member and a member on its list). Rows that change something
(transitions, uploads, deletions, phone reveals, the activity form's saves, sign-ins) build
their object afresh for each user, check that an allowed request did what it should (``DONE``)
and that a refused one changed nothing. The activity form is posted with committee A's own
choices (its measure, a goal, a partner of its roster, a member of A1): a user whose form does
not offer them gets the form back with its errors (``SENT_BACK``), nothing saved.

Django's admin is listed pattern by pattern, grouped per model where the answers agree. Only
committee admins are ``is_staff``: everybody else is sent to the admin's login page.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityKind,
    ActivityStatus,
    Attachment,
    AttachmentKind,
    PartnerCheck,
)
from activities.selectors import next_to_review
from activities.services import activity_transition, attachment_add, staged_upload_create
from branches import groups
from branches.models import (
    AuditAction,
    AuditEntry,
    BranchRole,
    CommitteeRole,
    CommitteeRoleKind,
)
from branches.services import committee_role_grant
from portal.core.health import heartbeat_record
from portal.core.periods import Period
from portal.partners.models import PartnerAnswer, PartnerLink
from portal.partners.services import partner_links_issue, partner_page_link_issue
from portal.records.models import EvidencePack, EvidencePackStatus
from portal.reports.models import Report, ReportFormat, ReportKind, ReportStatus
from portal.signin import selectors as signin_selectors
from portal.signin import services as signin_services
from portal.signin import tokens as signin_tokens
from portal.signin.models import EntryKind, EntryMethod, SignInEntry, SignInSheet
from tests import factories
from tests.conftest import SIGNIN_TEST_DEVICE, Cast, signin_pass
from tests.security.headers import RecordingClient, header_problems, production_like

pytestmark = pytest.mark.django_db

USERS = ("anonymous", "secretary_a1", "secretary_a2", "staff_a", "admin_a", "staff_b", "admin_b")


# --- Outcomes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a request is expected to get. ``location`` may name the row's arguments."""

    name: str
    status: int
    location: str | None = None

    def __repr__(self) -> str:
        return self.name


OK = Outcome("200", 200)
LOGIN = Outcome("302→login", 302, "/accounts/login/?next={next}")
ALOGIN = Outcome("302→admin login", 302, "/admin/login/?next={next}")
E403 = Outcome("403", 403)
E404 = Outcome("404", 404)
E405 = Outcome("405", 405)
#: A form POST refused by the form itself: the page again, with its errors.
SENT_BACK = Outcome("200, form sent back with errors", 200)
#: Django admin's answer for an object outside the user's queryset: back to the admin index
#: with the warning "<model> with ID “<pk>” doesn’t exist. Perhaps it was deleted?".
MISSING = Outcome("302→admin index, 'does not exist'", 302, "/admin/")
#: The request was allowed and did its work: the row's ``done`` check says what that means.
DONE = Outcome("done", 0)
#: A partner link's token that opens nothing (forged, used, another purpose's …): the one
#: "链接无效或已过期" page, whoever asks (portal/partners/views/public.py).
INVALID_LINK = Outcome("404, the invalid link page", 404)
#: A sign-in address that opens no sign-in (forged token, unknown sheet): the one "签到码无效"
#: page, whoever asks (portal/signin/views/public.py).
NOT_A_SIGNIN = Outcome("404, the sign-in's not-valid page", 404)
#: A genuine sign-in code past its minute, or a pass missing or expired: "二维码已过期".
EXPIRED_CODE = Outcome("410, the expired code page", 410)
#: A sign-in the sheet no longer takes (closed): the page again with the refusal.
E409 = Outcome("409", 409)


def to(location: str) -> Outcome:
    """A redirect to ``location`` (``{pk}``, ``{object_id}`` … are the row's arguments)."""
    return Outcome(f"302→{location}", 302, location)


# --- The objects the URLs point at --------------------------------------------------------


def jpeg_upload(name: str = "现场照片.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (190, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


AGREEMENT = b"%PDF-1.4 signed pairing agreement"
EVIDENCE = b"%PDF-1.4 certificate"


class World:
    """The cast, a staff member of committee B, and committee A's objects behind the URLs.

    Each object is made when a row first asks for it: most rows need one or none.
    """

    def __init__(self, cast: Cast, client: Client) -> None:
        self.cast = cast
        self.client = client
        self.staff_b = factories.UserFactory(username="staff_b")
        committee_role_grant(
            user=self.staff_b, committee=cast.committee_b, role=CommitteeRoleKind.STAFF
        )

    @cached_property
    def measure(self):
        # A code as a framework's (M1–M6): the factory's own grows with every measure of the
        # process, and a page showing "M1115" reads as an internal id (test_chinese_pages).
        return factories.MeasureFactory(committee=self.cast.committee_a, code="M1")

    @cached_property
    def partner(self):
        return factories.PartnerFactory(committee=self.cast.committee_a, name="春江街道社区")

    @cached_property
    def contact(self):
        return factories.ContactFactory(partner=self.partner, phone="13900002222")

    @cached_property
    def activity(self) -> Activity:
        return self.new_activity(photo=True)

    @cached_property
    def photo(self) -> Attachment:
        return self.activity.attachments.get()

    # The partner links' own partner and contact: the matrix's partner keeps its admin pages
    # as the other rows know them (a contact row more changes what they show).
    @cached_property
    def link_partner(self):
        return factories.PartnerFactory(committee=self.cast.committee_a, name="富春湾集团党委")

    @cached_property
    def link_contact(self):
        return factories.ContactFactory(partner=self.link_partner, phone="13900003333")

    def partner_link_activity(self, *, photo: bool = False) -> Activity:
        """A fresh submitted activity of branch A1 with the links' partner."""
        return self.new_activity(
            status=ActivityStatus.SUBMITTED, photo=photo, partner=self.link_partner
        )

    @cached_property
    def partner_activity(self) -> Activity:
        """Branch A1's submitted activity with the links' partner and a photo, which its
        contact is asked to confirm (``partner_token``)."""
        return self.partner_link_activity(photo=True)

    @cached_property
    def partner_photo(self) -> Attachment:
        return self.partner_activity.attachments.get()

    def ask_partner(self, activity: Activity) -> str:
        """A new link asking the partner's contact about ``activity``: its token."""
        (issued,) = partner_links_issue(
            activity=activity, contacts=[self.link_contact], by=self.cast.secretary_a1
        )
        return issued.token

    # One link of each kind for the rows that only read: a new link withdraws the contact's
    # earlier one (of the same activity; of the partner's page), which a crawl that collects
    # its URLs first would then find closed.
    @cached_property
    def partner_token(self) -> str:
        """The contact asked about ``partner_activity``."""
        return self.ask_partner(self.partner_activity)

    @cached_property
    def partner_page_token(self) -> str:
        """The contact's link to the partner's own page, given by the committee admin."""
        return partner_page_link_issue(contact=self.link_contact, by=self.cast.admin_a).token

    @cached_property
    def partnership(self):
        partnership = factories.PartnershipFactory(
            committee=self.cast.committee_a, branch=self.cast.branch_a1
        )
        partnership.agreement.save("结对协议.pdf", ContentFile(AGREEMENT))
        return partnership

    @cached_property
    def year_plan(self):
        return factories.YearPlanFactory(partnership=self.partnership)

    @cached_property
    def honour(self):
        honour = factories.HonourFactory(
            committee=self.cast.committee_a, branch=self.cast.branch_a1
        )
        honour.evidence.save("证书.pdf", ContentFile(EVIDENCE))
        return honour

    @cached_property
    def staged(self):
        return staged_upload_create(
            owner=self.cast.secretary_a1,
            upload=jpeg_upload("待保存.jpg"),
            kind=AttachmentKind.PHOTO,
        )

    @cached_property
    def project_site(self):
        return factories.ProjectSiteFactory(committee=self.cast.committee_a)

    @cached_property
    def framework(self):
        return factories.FrameworkFactory(committee=self.cast.committee_a)

    @cached_property
    def goal(self):
        return factories.GoalFactory(committee=self.cast.committee_a)

    @cached_property
    def audit_entry(self) -> AuditEntry:
        member = self.cast.member_a1
        return AuditEntry.objects.create(
            committee=self.cast.committee_a,
            user=self.cast.admin_a,
            action=AuditAction.PHONE_REVEAL,
            object_type="member",
            object_id=str(member.pk),
            object_repr=member.name,
        )

    @cached_property
    def branch_role(self) -> BranchRole:
        return BranchRole.objects.get(member__user=self.cast.secretary_a1)

    @cached_property
    def committee_role(self) -> CommitteeRole:
        return CommitteeRole.objects.get(user=self.cast.staff_a)

    @cached_property
    def group(self) -> Group:
        return Group.objects.get(name=groups.COMMITTEE_STAFF)

    def report(self) -> Report:
        """A ready quarterly report of committee A with its three files."""
        report = Report.objects.create(
            committee=self.cast.committee_a,
            kind=ReportKind.QUARTER,
            period_start=dt.date(2024, 4, 1),
            period_end=dt.date(2024, 7, 1),
            status=ReportStatus.READY,
            generated_at=timezone.now(),
        )
        for fmt in ReportFormat.values:
            report.file_for(fmt).save(f"report.{fmt}", ContentFile(b"report"), save=False)
        report.save()
        return report

    # The on-site sign-in (portal.signin).
    def signin(self, *, entries: bool = True, closed: bool = False) -> SignInSheet:
        """A fresh draft of branch A1 taking place now, its sign-in opened by A1's secretary.
        On its list (unless ``entries`` is false): a partner's staff member who scanned the
        code, and member_a1 added by hand. ``closed``: closed since (nothing written into the
        activity: no sign-in sheet PDF made)."""
        cast = self.cast
        sheet = signin_services.sheet_open(
            self.new_activity(in_progress=True), by=cast.secretary_a1
        )
        if entries:
            signin_services.guest_sign_in(
                sheet,
                name="陈晓明",
                partner=self.partner,
                phone="13900004444",
                method=EntryMethod.SCAN,
                device="matrix-phone",
            )
            signin_services.entry_add_member(sheet, cast.member_a1, by=cast.secretary_a1)
        if closed:
            SignInSheet.objects.filter(pk=sheet.pk).update(
                closed_at=timezone.now(), closed_by=cast.secretary_a1
            )
            sheet.refresh_from_db()
        return sheet

    @cached_property
    def signin_sheet(self) -> SignInSheet:
        """The open sign-in the rows that only read are asked about."""
        return self.signin()

    @cached_property
    def periodic_task(self):
        schedule = CrontabSchedule.objects.create(minute="5", hour="4")
        return PeriodicTask.objects.create(
            name="matrix", task="portal.tasks.reports_recover_stuck", crontab=schedule
        )

    def user(self, name: str):
        if name == "anonymous":
            return None
        return self.staff_b if name == "staff_b" else getattr(self.cast, name)

    def client_as(self, name: str) -> Client:
        """The module's test client with a fresh session for the user ``name`` (and the test
        phone's sign-in cookie, ``SIGNIN_TEST_DEVICE``)."""
        self.client.cookies.clear()
        self.client.cookies["signin_device"] = SIGNIN_TEST_DEVICE
        user = self.user(name)
        if user is not None:
            self.client.force_login(user)
        return self.client

    def new_activity(
        self,
        *,
        status: str = ActivityStatus.DRAFT,
        photo: bool = False,
        future: bool = False,
        in_progress: bool = False,
        partner=None,
    ) -> Activity:
        """A fresh activity of branch A1 with ``partner`` (the matrix's own by default) that
        took place three days ago (or takes place in three days, or started ten minutes ago
        and ends in two hours: ``in_progress``)."""
        cast = self.cast
        starts_at = timezone.now() + dt.timedelta(days=3 if future else -3)
        if in_progress:
            starts_at = timezone.now() - dt.timedelta(minutes=10)
        activity = factories.ActivityFactory(
            committee=cast.committee_a,
            branch=cast.branch_a1,
            measure=self.measure,
            created_by=cast.secretary_a1,
            starts_at=starts_at,
            partners=[partner or self.partner],
            evidence=not photo,  # its photo is the real one below
        )
        if photo:
            attachment_add(
                activity,
                by=cast.secretary_a1,
                upload=jpeg_upload(),
                kind=AttachmentKind.PHOTO,
                caption="联建合影",
            )
        if status in (ActivityStatus.SUBMITTED, ActivityStatus.APPROVED):
            activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
        if status == ActivityStatus.APPROVED:
            activity_transition(activity, action=ActivityAction.APPROVED, by=cast.staff_a)
        activity.refresh_from_db()
        return activity


# Targets: the arguments a row's URL is built from (``pk``, ``object_id``, ``path`` …). A target
# that creates objects gives each user a fresh one, so an allowed write spoils nothing.
Target = Callable[[World], dict[str, Any]]


def nothing(w: World) -> dict[str, Any]:
    return {}


def worker_alive(w: World) -> dict[str, Any]:
    """/healthz answers 200 only with a recent worker heartbeat (and a reachable broker)."""
    heartbeat_record()
    return {}


def fresh_report(w: World) -> dict[str, Any]:
    Report.objects.filter(committee=w.cast.committee_a).delete()
    return {"pk": w.report().pk, "fmt": "pdf"}


def report_status(w: World, args: dict[str, Any]) -> tuple:
    return tuple(Report.objects.values_list("pk", "status").order_by("pk"))


def report_queued(response, w, args, before) -> None:
    assert response.status_code == 302, response.status_code
    report = Report.objects.get(committee=w.cast.committee_a)
    assert response["Location"] == f"/reports/{report.pk}/"
    assert report.status == ReportStatus.QUEUED
    assert report.requested_by == response.wsgi_request.user


def committee_a_without_reports(w: World) -> dict[str, Any]:
    Report.objects.filter(committee=w.cast.committee_a).delete()  # each user asks afresh
    return committee_a_id(w)


def last_month(w: World, args: dict[str, Any]) -> dict[str, Any]:
    first = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return {"period": f"month:{first.replace(day=1).isoformat()}"}


def a1_record(fmt: str) -> Target:
    return lambda w: {"pk": w.activity.pk, "fmt": fmt}


def fresh_pack(w: World) -> dict[str, Any]:
    """A ready evidence pack of branch A1's last quarter, asked for by its secretary."""
    quarter = Period.quarter(timezone.localdate()).previous()
    name = default_storage.save("evidence/pack.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    pack = EvidencePack.objects.create(
        committee=w.cast.committee_a,
        branch=w.cast.branch_a1,
        period_kind=quarter.kind,
        period_start=quarter.start,
        period_end=quarter.end,
        requested_by=w.cast.secretary_a1,
        status=EvidencePackStatus.READY,
        file=name,
        finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    return {"pk": pack.pk}


def a1_last_quarter(w: World, args: dict[str, Any]) -> dict[str, Any]:
    quarter = Period.quarter(timezone.localdate()).previous()
    return {"scope": f"b{w.cast.branch_a1.pk}", "quarter": quarter.start.isoformat()}


def packs(w: World, args: dict[str, Any]) -> tuple:
    return tuple(EvidencePack.objects.values_list("pk", "requested_by_id").order_by("pk"))


def pack_queued(response, w, args, before) -> None:
    assert response.status_code == 302, response.status_code
    pack = EvidencePack.objects.exclude(pk__in=[pk for pk, _user in before]).get()
    assert response["Location"] == f"/records/evidence/{pack.pk}/"
    assert (pack.branch, pack.requested_by) == (w.cast.branch_a1, response.wsgi_request.user)


LOCKOUTS = "axes/accessattempt/"


def lockout(w: World) -> dict[str, Any]:
    """secretary_a1 locked out at the login page."""
    attempt, _ = AccessAttempt.objects.get_or_create(
        username="secretary_a1",
        ip_address="127.0.0.1",
        user_agent="Mozilla/5.0",
        defaults={
            "http_accept": "text/html",
            "path_info": "/accounts/login/",
            "get_data": "",
            "post_data": "",
            "failures_since_start": 5,
        },
    )
    return {"object_id": attempt.pk}


def beat_object(model: type) -> Target:
    """One row of a django-celery-beat table."""
    makers = {
        PeriodicTask: lambda w: w.periodic_task,
        CrontabSchedule: lambda w: w.periodic_task.crontab,
        IntervalSchedule: lambda w: IntervalSchedule.objects.create(every=5, period="minutes"),
        SolarSchedule: lambda w: SolarSchedule.objects.get_or_create(
            event="sunrise", latitude=30.27, longitude=120.15
        )[0],
        ClockedSchedule: lambda w: ClockedSchedule.objects.create(clocked_time=timezone.now()),
    }
    return lambda w: {"object_id": makers[model](w).pk}


def committee_a_id(w: World) -> dict[str, Any]:
    return {"committee": w.cast.committee_a.pk}


def both_branches(w: World) -> dict[str, Any]:
    return {"a1": w.cast.branch_a1.pk, "a2": w.cast.branch_a2.pk}


def branch_a1_pk(w: World) -> dict[str, Any]:
    return {"pk": w.cast.branch_a1.pk}


def a1_activity(w: World) -> dict[str, Any]:
    return {"pk": w.activity.pk}


def fresh_draft(w: World) -> dict[str, Any]:
    return {"pk": w.new_activity().pk}


def fresh_draft_photo(w: World) -> dict[str, Any]:
    return {"pk": w.new_activity(photo=True).attachments.get().pk}


def fresh_submitted(w: World) -> dict[str, Any]:
    return {"pk": w.new_activity(status=ActivityStatus.SUBMITTED).pk}


def for_branch_a1(w: World) -> dict[str, Any]:
    """The organiser key of branch A1, as the create form's action carries it."""
    return {"organiser": f"b{w.cast.branch_a1.pk}"}


def for_committee_a(w: World) -> dict[str, Any]:
    """The organiser key of committee A itself (a committee-level activity)."""
    return {"organiser": f"c{w.cast.committee_a.pk}"}


def transition(action: str, status: str, *, future: bool = False) -> Target:
    def target(w: World) -> dict[str, Any]:
        return {"pk": w.new_activity(status=status, future=future).pk, "action": action}

    return target


def photo_file(w: World) -> dict[str, Any]:
    return {"path": w.photo.file.name}


def photo_thumbnail(w: World) -> dict[str, Any]:
    return {"path": w.photo.thumbnail.name}


def staged_file(w: World) -> dict[str, Any]:
    return {"path": w.staged.file.name}


def agreement_file(w: World) -> dict[str, Any]:
    return {"path": w.partnership.agreement.name}


def evidence_file(w: World) -> dict[str, Any]:
    return {"path": w.honour.evidence.name}


def member_a1(w: World) -> dict[str, Any]:
    return {"pk": w.cast.member_a1.pk}


def partner_contact(w: World) -> dict[str, Any]:
    return {"pk": w.contact.pk}


def fresh_partner_link(w: World) -> dict[str, Any]:
    """A link asking a contact (with an e-mail address) of the partner to confirm a submitted
    activity of branch A1, given by its secretary nine days ago (a reminder may be sent)."""
    activity = w.new_activity(status=ActivityStatus.SUBMITTED, photo=True)
    contact = factories.ContactFactory(partner=w.partner, email="lianxi@cj.example.cn")
    (issued,) = partner_links_issue(
        activity=activity,
        contacts=[contact],
        by=w.cast.secretary_a1,
        now=timezone.now() - dt.timedelta(days=9),
    )
    return {"pk": issued.link.pk}


def asked_activity(w: World) -> dict[str, Any]:
    """A submitted activity of branch A1 whose partner was asked nine days ago: its page has
    the partner section's forms (withdraw, remind)."""
    link = PartnerLink.objects.get(pk=fresh_partner_link(w)["pk"])
    return {"pk": link.activity_id}


def fresh_page_link(w: World) -> dict[str, Any]:
    """A link to the partner's own page, given to its contact by committee A's admin."""
    return {"pk": partner_page_link_issue(contact=w.contact, by=w.cast.admin_a).link.pk}


#: A token nobody issued (as long and of the same alphabet as a real one).
FORGED_TOKEN = "Zm9yZ2VkLXRva2VuLW5vdC1pc3N1ZWQtYXQtYWxs"


def partner_link(w: World) -> dict[str, Any]:
    return {"token": w.partner_token}


def forged_link(w: World) -> dict[str, Any]:
    return {"token": FORGED_TOKEN, "attachment_id": w.partner_photo.pk}


def fresh_partner_token(w: World) -> dict[str, Any]:
    """A fresh submitted activity of branch A1, its partner's contact asked about it."""
    activity = w.partner_link_activity()
    return {"token": w.ask_partner(activity), "pk": activity.pk}


def partner_photo(w: World) -> dict[str, Any]:
    return {"token": w.partner_token, "attachment_id": w.partner_photo.pk}


def other_activitys_photo(w: World) -> dict[str, Any]:
    """A link about another activity, asking for the partner activity's photo."""
    other = w.partner_link_activity()
    return {"token": w.ask_partner(other), "attachment_id": w.partner_photo.pk}


def partner_page(w: World) -> dict[str, Any]:
    return {"token": w.partner_page_token}


def page_pending(w: World) -> dict[str, Any]:
    """The partner's page and a fresh activity waiting for its contact's answer."""
    activity = w.partner_link_activity()
    w.ask_partner(activity)
    return {"token": w.partner_page_token, "activity_id": activity.pk}


def page_not_waiting(w: World) -> dict[str, Any]:
    """The partner's page and a fresh activity of the partner that nobody asked it about."""
    activity = w.partner_link_activity()
    return {"token": w.partner_page_token, "activity_id": activity.pk}


def admin_object(get: Callable[[World], Any]) -> Target:
    """An admin object URL's arguments; ``history_id`` for simple_history's version page."""

    def target(w: World) -> dict[str, Any]:
        obj = get(w)
        args = {"object_id": obj.pk, "id": obj.pk}
        if hasattr(obj, "history"):
            args["history_id"] = obj.history.latest().history_id
        return args

    return target


def app(label: str) -> Target:
    return lambda w: {"app_label": label}


def view_on_site(w: World) -> dict[str, Any]:
    return {
        "content_type_id": ContentType.objects.get_for_model(Activity).pk,
        "object_id": w.activity.pk,
    }


committee_a = admin_object(lambda w: w.cast.committee_a)
project_site_a = admin_object(lambda w: w.project_site)
branch_a1 = admin_object(lambda w: w.cast.branch_a1)
member = admin_object(lambda w: w.cast.member_a1)
branch_role = admin_object(lambda w: w.branch_role)
committee_role = admin_object(lambda w: w.committee_role)
audit_entry = admin_object(lambda w: w.audit_entry)
partner = admin_object(lambda w: w.partner)
partnership = admin_object(lambda w: w.partnership)
year_plan = admin_object(lambda w: w.year_plan)
framework = admin_object(lambda w: w.framework)
goal = admin_object(lambda w: w.goal)
measure = admin_object(lambda w: w.measure)
activity = admin_object(lambda w: w.activity)
honour = admin_object(lambda w: w.honour)
group = admin_object(lambda w: w.group)
login_of_a1 = admin_object(lambda w: w.cast.secretary_a1)


# --- What an allowed write did, and what a refused one must not have done -----------------


def activity_state(w: World, args: dict[str, Any]) -> tuple:
    a = Activity.objects.get(pk=args["pk"])
    return a.status, a.version, a.events.count(), a.attachments.count()


def attachment_exists(w: World, args: dict[str, Any]) -> bool:
    return Attachment.objects.filter(pk=args["pk"]).exists()


def two_factor_devices(w: World, args: dict[str, Any]) -> tuple:
    """Confirmed authenticators and recovery codes, of anybody."""
    return (
        TOTPDevice.objects.filter(confirmed=True).count(),
        StaticToken.objects.count(),
    )


def audit_count(w: World, args: dict[str, Any]) -> int:
    """Phone reveals recorded (a refusal is recorded too, as access refused)."""
    return AuditEntry.objects.filter(action=AuditAction.PHONE_REVEAL).count()


def activities_logged(w: World, args: dict[str, Any]) -> tuple:
    return (
        frozenset(Activity.objects.values_list("pk", flat=True)),
        ActivityEvent.objects.count(),
        Attachment.objects.count(),
    )


def activity_fields(w: World, args: dict[str, Any]) -> tuple:
    a = Activity.objects.get(pk=args["pk"])
    return (
        a.title,
        a.status,
        a.version,
        a.events.count(),
        frozenset(a.partners.values_list("pk", flat=True)),
        frozenset(a.attendees.values_list("pk", flat=True)),
        frozenset(a.goals.values_list("pk", flat=True)),
    )


Done = Callable[[Any, World, dict[str, Any], Any], None]


def moved_to(status: str, action: str, *, on_to_next: bool = False) -> Done:
    """A transition: back to the activity page (a review decision: on to the next activity in
    the reviewer's queue, or the queue when none is left), the new status, one timeline entry
    more."""

    def check(response, w, args, before) -> None:
        assert response.status_code == 302, response.status_code
        if on_to_next:
            following = next_to_review(response.wsgi_request.user)
            expected = f"/activities/{following.pk}/" if following else "/activities/review/"
            assert response["Location"] == expected
        else:
            assert response["Location"] == f"/activities/{args['pk']}/"
        activity = Activity.objects.get(pk=args["pk"])
        assert activity.status == status
        event = activity.events.latest("at", "pk")
        assert (event.action, event.to_status) == (action, status)
        assert activity.events.count() == before[2] + 1

    return check


def uploaded(response, w, args, before) -> None:
    assert response.status_code in (200, 302), response.status_code
    assert "/login/" not in response.get("Location", "")
    assert Activity.objects.get(pk=args["pk"]).attachments.count() == before[3] + 1


def deleted(response, w, args, before) -> None:
    assert response.status_code == 302, response.status_code
    assert "/login/" not in response["Location"]
    assert not Attachment.objects.filter(pk=args["pk"]).exists()


def logged(organiser: dict[str, str | None]) -> Done:
    """A new draft, on to its page: organised by the cast's branch ``organiser[user]`` (None:
    committee A itself), with the form's fields and relations and its "created" entry."""

    def check(response, w, args, before) -> None:
        assert response.status_code == 302, response.status_code
        user = response.wsgi_request.user
        new = Activity.objects.exclude(pk__in=before[0])
        assert new.count() == 1, f"{new.count()} activities logged"
        activity = new.get()
        assert response["Location"] == f"/activities/{activity.pk}/"
        branch = organiser[user.username]
        assert activity.committee == w.cast.committee_a
        assert activity.branch == (getattr(w.cast, branch) if branch else None)
        assert activity.created_by == user
        assert (activity.title, activity.status) == (LOGGED_TITLE, ActivityStatus.DRAFT)
        assert activity.measure == w.measure
        assert list(activity.partners.all()) == [w.partner]
        assert list(activity.attendees.all()) == [w.cast.member_a1]
        assert list(activity.goals.all()) == [w.goal]
        assert list(activity.events.values_list("action", "actor")) == [
            (ActivityAction.CREATED, user.pk)
        ]
        assert ActivityEvent.objects.count() == before[1] + 1

    return check


def edited(response, w, args, before) -> None:
    """The organiser's save: back to the activity page, its new title and relations, one
    version and one "edited" entry more."""
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"/activities/{args['pk']}/"
    activity = Activity.objects.get(pk=args["pk"])
    assert activity.title == EDITED_TITLE
    assert activity.status == ActivityStatus.DRAFT
    assert activity.version == before[2] + 1
    assert list(activity.attendees.all()) == [w.cast.member_a1]
    assert list(activity.goals.all()) == [w.goal]
    assert list(activity.partners.all()) == [w.partner]
    event = activity.events.latest("at", "pk")
    assert (event.action, event.actor) == (ActivityAction.EDITED, w.cast.secretary_a1)
    assert activity.events.count() == before[3] + 1


def partner_links(w: World, args: dict[str, Any]) -> tuple:
    """Every partner link with where it stands: nothing issued, withdrawn or reminded."""
    return tuple(PartnerLink.objects.order_by("pk").values_list("pk", "revoked_at", "reminded_at"))


def links_shown(response, w, args, before) -> None:
    """The contact asked: one new link, shown once on the page that answers the POST."""
    assert response.status_code == 200, response.status_code
    assert "此链接只显示一次" in response.content.decode()
    new = PartnerLink.objects.exclude(pk__in=[pk for pk, *_ in before])
    assert [(link.contact, link.activity_id) for link in new] == [(w.contact, args["pk"])]


def withdrawn(response, w, args, before) -> None:
    link = PartnerLink.objects.get(pk=args["pk"])
    back = (
        f"/activities/{link.activity_id}/"
        if link.activity_id
        else f"/partners/contacts/{link.contact_id}/page-links/"
    )
    assert response.status_code == 302, response.status_code
    assert response["Location"] == back
    assert link.revoked_by == response.wsgi_request.user


def reminded(response, w, args, before) -> None:
    link = PartnerLink.objects.get(pk=args["pk"])
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"/activities/{link.activity_id}/"
    assert link.reminded_at is not None


def page_link_shown(response, w, args, before) -> None:
    assert response.status_code == 200, response.status_code
    assert "此链接只显示一次" in response.content.decode()
    new = PartnerLink.objects.exclude(pk__in=[pk for pk, *_ in before]).get()
    assert (new.contact, new.activity) == (w.contact, None)


def revealed(phone: Callable[[World], str]) -> Done:
    def check(response, w, args, before) -> None:
        assert response.status_code == 200, response.status_code
        assert phone(w) in response.content.decode()
        assert audit_count(w, args) == before + 1

    return check


def partner_answers(w: World, args: dict[str, Any]) -> tuple:
    """The partners' answers, and where the row's activity stands with its partners."""
    pk = args.get("pk", args.get("activity_id"))
    check = Activity.all_objects.get(pk=pk).partner_check if pk else None
    return PartnerAnswer.objects.count(), check


def confirmed(w: World, args: dict[str, Any]) -> dict[str, Any]:
    return {"verdict": "confirmed", "rating": "satisfied"}


def confirmed_on_page(w: World, args: dict[str, Any]) -> dict[str, Any]:
    prefix = f"a{args['activity_id']}"
    return {f"{prefix}-verdict": "confirmed", f"{prefix}-rating": "satisfied"}


def partner_answered(response, w, args, before) -> None:
    """Whoever sends it, the answer is the link's contact's: recorded, shown back."""
    assert response.status_code == 200, response.status_code
    assert "谢谢，您的答复已收到" in response.content.decode()
    answer = PartnerAnswer.objects.get(activity_id=args["pk"])
    assert (answer.contact, answer.verdict, answer.rating) == (
        w.link_contact,
        "confirmed",
        "satisfied",
    )
    assert Activity.objects.get(pk=args["pk"]).partner_check == PartnerCheck.CONFIRMED


def page_answered(response, w, args, before) -> None:
    assert response.status_code == 303, response.status_code
    token, pk = args["token"], args["activity_id"]
    assert response["Location"] == f"/p/u/{token}/?answered={pk}#answered"
    answer = PartnerAnswer.objects.get(activity_id=pk)
    assert (answer.contact, answer.verdict) == (w.link_contact, "confirmed")
    assert Activity.objects.get(pk=pk).partner_check == PartnerCheck.CONFIRMED


# --- The on-site sign-in (issue 17): targets, posts and what they did ----------------------


def signin_activity(w: World) -> dict[str, Any]:
    """The activity of the matrix's open sign-in (rows that only read)."""
    return {"pk": w.signin_sheet.activity_id}


def fresh_signin(w: World) -> dict[str, Any]:
    """A fresh activity taking place now with its sign-in open, two people on its list."""
    return {"pk": w.signin().activity_id}


def signin_to_open(w: World) -> dict[str, Any]:
    """A fresh draft of branch A1 taking place in three days: no sign-in yet."""
    return {"pk": w.new_activity(future=True).pk}


def committee_signin(w: World) -> dict[str, Any]:
    """A fresh draft of committee A itself (no branch) taking place now: no sign-in yet."""
    activity = factories.ActivityFactory(
        committee=w.cast.committee_a,
        branch=None,
        measure=w.measure,
        created_by=w.cast.staff_a,
        starts_at=timezone.now() - dt.timedelta(minutes=10),
        partners=[w.partner],
        attendees=[],
    )
    return {"pk": activity.pk}


def signin_search(w: World) -> dict[str, Any]:
    """The hand-adding page, the committee's members searched by a name (李娜 of A2)."""
    return {"pk": w.signin_sheet.activity_id, "q": "李"}


def guest_entry(sheet: SignInSheet) -> dict[str, Any]:
    return {"pk": sheet.activity_id, "entry_id": sheet.entries.get(member__isnull=True).pk}


def signin_entry(w: World) -> dict[str, Any]:
    return guest_entry(w.signin_sheet)


def fresh_signin_entry(w: World) -> dict[str, Any]:
    return guest_entry(w.signin())


def other_signins_entry(w: World) -> dict[str, Any]:
    """The matrix's sign-in, asked to remove an entry of another sign-in."""
    return {"pk": w.signin_sheet.activity_id, "entry_id": guest_entry(w.signin())["entry_id"]}


def signin_public(sheet: SignInSheet, method: str = EntryMethod.SCAN) -> dict[str, Any]:
    return {"public_id": sheet.public_id, "pass": signin_pass(sheet, method)}


def signin_scan(w: World) -> dict[str, Any]:
    """The token of the QR code shown at the venue this minute."""
    sheet = w.signin_sheet
    return {"public_id": sheet.public_id, "token": signin_tokens.scan_token(sheet)}


def signin_poster(w: World) -> dict[str, Any]:
    sheet = w.signin_sheet
    return {"public_id": sheet.public_id, "token": signin_tokens.poster_token(sheet)}


def signin_stale_scan(w: World) -> dict[str, Any]:
    """The genuine token of five minutes ago: a photo of the code sent on to a group chat."""
    sheet = w.signin_sheet
    window = signin_tokens.window_at() - 5
    return {"public_id": sheet.public_id, "token": signin_tokens.scan_token(sheet, window)}


def signin_forged_scan(w: World) -> dict[str, Any]:
    """The sheet's own name and this minute, with a made-up signature."""
    sheet = w.signin_sheet
    token = f"{sheet.public_id}.{signin_tokens.window_at():x}.{'a' * 16}"
    return {"public_id": sheet.public_id, "token": token}


def signin_page(w: World) -> dict[str, Any]:
    """The sign page of the matrix's sign-in, with the pass of a phone that scanned."""
    return signin_public(w.signin_sheet)


def signin_page_without_pass(w: World) -> dict[str, Any]:
    return {"public_id": w.signin_sheet.public_id, "pass": ""}


class _EarlierSigner(signing.TimestampSigner):
    """Signs as an hour ago."""

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 3600)


def signin_page_expired_pass(w: World) -> dict[str, Any]:
    """A pass of the sheet given an hour ago (good for ``SIGNIN_PASS_MINUTES``)."""
    sheet = w.signin_sheet
    value = _EarlierSigner(salt=signin_tokens.SIGNING_SALT).sign_object(
        {
            "s": sheet.public_id,
            "m": EntryMethod.SCAN,
            "d": signin_tokens.device_tag(SIGNIN_TEST_DEVICE),
        },
        compress=False,
    )
    return {"public_id": sheet.public_id, "pass": value}


def signin_page_other_pass(w: World) -> dict[str, Any]:
    """The matrix's sign-in, with the pass of another sign-in."""
    other = signin_public(w.signin(entries=False))
    return {"public_id": w.signin_sheet.public_id, "pass": other["pass"]}


def signin_page_unknown(w: World) -> dict[str, Any]:
    return {"public_id": "0123456789", "pass": signin_public(w.signin_sheet)["pass"]}


def fresh_signin_page(w: World) -> dict[str, Any]:
    """A fresh open sign-in with nobody on it, and a pass of a phone that scanned."""
    return signin_public(w.signin(entries=False))


def closed_signin_page(w: World) -> dict[str, Any]:
    return signin_public(w.signin(entries=False, closed=True))


def code_shown_now(w: World, args: dict[str, Any]) -> dict[str, Any]:
    return {"code": signin_tokens.short_code(SignInSheet.objects.get(public_id=args["public_id"]))}


def code_opening_nothing(w: World, args: dict[str, Any]) -> dict[str, Any]:
    """Six digits that are not the code of any sign-in taking sign-ins now."""
    sheets = list(signin_selectors.accepting_sheets())
    codes = (f"{n:06d}" for n in range(1000))
    return {
        "code": next(c for c in codes if not any(signin_tokens.code_matches(s, c) for s in sheets))
    }


def guest_by_hand(w: World, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "guest-name": "周文",
        "guest-unit": "other",
        "guest-unit_name": "春江街道志愿者协会",
        "guest-phone": "",
    }


def guest_signing(w: World, args: dict[str, Any]) -> dict[str, Any]:
    """A partner's staff member signing in on their phone, with the row's pass."""
    return {
        "pass": args["pass"],
        "guest-name": "吴海燕",
        "guest-unit": str(w.partner.pk),
        "guest-unit_name": "",
        "guest-phone": "13900005555",
    }


def member_signing(w: World, args: dict[str, Any]) -> dict[str, Any]:
    return {"pass": args["pass"], "as": "member"}


def signin_state(w: World, args: dict[str, Any]) -> tuple:
    """Every sign-in's state and every entry: what opening, closing, adding, removing and
    signing in change."""
    return (
        tuple(SignInSheet.objects.order_by("pk").values_list("pk", "closed_at", "applied_at")),
        tuple(SignInEntry.objects.order_by("pk").values_list("pk", flat=True)),
    )


def new_entry(before: tuple) -> SignInEntry:
    return SignInEntry.objects.exclude(pk__in=before[1]).select_related("sheet", "member").get()


def signin_opened(response, w, args, before) -> None:
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"/activities/{args['pk']}/signin/"
    sheet = SignInSheet.objects.get(activity_id=args["pk"])
    assert (sheet.opened_by, sheet.closed_at) == (response.wsgi_request.user, None)
    assert (
        Activity.objects.get(pk=args["pk"])
        .events.filter(action=ActivityAction.SIGNIN_OPENED)
        .exists()
    )


def signin_closed(response, w, args, before) -> None:
    """Closed, its list written into the activity: member_a1 attended, one external
    participant (the partner's staff member), the sign-in sheet among its files."""
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"/activities/{args['pk']}/"
    sheet = SignInSheet.objects.select_related("activity").get(activity_id=args["pk"])
    assert sheet.closed_by == response.wsgi_request.user
    assert sheet.sheet_file.kind == AttachmentKind.SIGN_IN_SHEET
    assert list(sheet.activity.attendees.all()) == [w.cast.member_a1]
    assert sheet.activity.external_participants == 1


def signin_added(kind: str) -> Done:
    """One entry more, of ``kind``, added by hand by the user; back to the adding page."""

    def check(response, w, args, before) -> None:
        assert response.status_code == 302, response.status_code
        assert response["Location"] == f"/activities/{args['pk']}/signin/add/"
        entry = new_entry(before)
        assert (entry.sheet.activity_id, entry.kind, entry.method, entry.added_by) == (
            args["pk"],
            kind,
            EntryMethod.HAND,
            response.wsgi_request.user,
        )

    return check


def signin_removed(response, w, args, before) -> None:
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"/activities/{args['pk']}/signin/"
    assert not SignInEntry.objects.filter(pk=args["entry_id"]).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.SIGNIN_ENTRY_REMOVED, object_id=str(args["entry_id"])
    ).exists()


def to_sign_page(method: str) -> Done:
    """On to the sheet's sign page with a pass saying how the phone got there."""

    def check(response, w, args, before) -> None:
        assert response.status_code == 302, response.status_code
        prefix = f"/s/in/{args['public_id']}/?pass="
        assert response["Location"].startswith(prefix), response["Location"]
        sheet = SignInSheet.objects.get(public_id=args["public_id"])
        value = unquote(response["Location"].removeprefix(prefix))
        assert signin_tokens.read_pass(sheet, value, SIGNIN_TEST_DEVICE) == method

    return check


def signed_in(kinds: str | dict[str, str]) -> Done:
    """The "signed in" page, and one entry more on the row's sign-in, by the phone's scan: of
    the kind ``kinds`` (or ``kinds[username]``)."""

    def check(response, w, args, before) -> None:
        assert response.status_code == 200, response.status_code
        assert "signin/public/done.html" in [t.name for t in response.templates]
        entry = new_entry(before)
        user = response.wsgi_request.user
        assert entry.sheet.public_id == args["public_id"]
        kind = kinds if isinstance(kinds, str) else kinds[user.get_username()]
        assert (entry.kind, entry.method) == (kind, EntryMethod.SCAN)
        if entry.member is not None:
            assert entry.member.user == user

    return check


# --- The table ----------------------------------------------------------------------------

GET, POST = "GET", "POST"


@dataclass(frozen=True)
class Row:
    routes: tuple[str, ...]
    method: str
    target: Target
    outcomes: tuple[Outcome, ...]
    label: str = ""
    #: the URL names an object of branch A1: its outsider (secretary_a2) must get a 404
    a1: bool = False
    query: str = ""
    #: the POST's data, from the world and the row's arguments
    data: Callable[[World, dict[str, Any]], dict[str, Any]] | None = None
    snapshot: Callable[[World, dict[str, Any]], Any] | None = None
    done: Done | None = None

    @property
    def id(self) -> str:
        label = f" [{self.label}]" if self.label else ""
        more = f" +{len(self.routes) - 1}" if len(self.routes) > 1 else ""
        return f"{self.method} {self.routes[0]}{more}{label}"


def row(routes, method, target, outcomes, **options) -> Row:
    routes = (routes,) if isinstance(routes, str) else tuple(routes)
    assert len(outcomes) == len(USERS), routes
    return Row(routes, method, target, tuple(outcomes), **options)


def admin(model: str, *suffixes: str) -> tuple[str, ...]:
    """Admin routes of ``model`` ("app/model/"), each suffix written out as Django has it."""
    return tuple(f"admin/{model}{suffix}" for suffix in suffixes)


def comment(w: World, args: dict[str, Any]) -> dict[str, Any]:
    return {"comment": "请补充活动照片和签到表。"}


def new_photo(w: World, args: dict[str, Any]) -> dict[str, Any]:
    """The upload form: a formset of file rows (kind, caption, files)."""
    return {
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-0-kind": AttachmentKind.PHOTO,
        "attachments-0-caption": "补拍的合影",
        "attachments-0-files": jpeg_upload(),
    }


LOGGED_TITLE = "思想联学：新质生产力专题党课"
EDITED_TITLE = "思想联学：新质生产力专题党课（补充）"


def activity_form(w: World, args: dict[str, Any]) -> dict[str, Any]:
    """A valid POST of the activity form (saved as a draft) from committee A's choices: its
    measure, a goal, a partner of its roster and member_a1 of branch A1, three days ago."""
    starts = timezone.localtime(timezone.now() - dt.timedelta(days=3)).replace(
        second=0, microsecond=0
    )
    return {
        "title": LOGGED_TITLE,
        "kind": ActivityKind.STUDY,
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": "春江社区党群服务中心",
        "measure": w.measure.pk,
        "goals": [w.goal.pk],
        "partners": [w.partner.pk],
        "attendees": [w.cast.member_a1.pk],
        "external_participants": "12",
        "volunteers": "3",
        "beneficiaries": "40",
        "summary": "两家共建单位与支部党员开展专题联学。",
        "outcome": "",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "save": "draft",
    }


def autosaved(response, w, args, before) -> None:
    """The form kept as a draft: the answer says so, and one draft holds the form's title."""
    assert response.status_code == 200, response.status_code
    assert response.json()["saved"] is True
    assert Activity.objects.filter(title__in=[LOGGED_TITLE, EDITED_TITLE]).count() >= 1


def activity_edit_form(w: World, args: dict[str, Any]) -> dict[str, Any]:
    """The edit form of the row's activity, sent back changed, with the version it showed."""
    version = Activity.objects.get(pk=args["pk"]).version
    return activity_form(w, args) | {"title": EDITED_TITLE, "version": str(version)}


OBJ = "<path:object_id>/"
VERSION = "^([^/]+)/history/([^/]+)/$"
APP = "admin/^(?P<app_label>auth|django_celery_beat|branches|partnerships|activities|axes)/$"
WORKFLOW = "activities/<int:pk>/workflow/<slug:action>/"
DETAIL = to("/activities/{pk}/")
COMMITTEE = "branches/committee/"
AUDIT_LOG = "branches/auditentry/"


def to_change(model: str) -> Outcome:
    """Django admin's ``<pk>/`` URL: a redirect to the object's change page."""
    return to(f"/admin/{model}{{object_id}}/change/")


# Each row: route(s), method, target, then the outcomes in the order of USERS:
#   anonymous, secretary_a1, secretary_a2, staff_a, admin_a, staff_b, admin_b
# fmt: off
MATRIX: list[Row] = [
    # --- The portal's own pages ---------------------------------------------------------
    row("", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    row("framework/", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    row("accounts/login/", GET, nothing,
        [OK, to("/"), to("/"), to("/"), to("/"), to("/"), to("/")]),
    row("accounts/logout/", POST, nothing,
        [to("/accounts/login/")] * 7),
    row("accounts/logout/", GET, nothing,
        [E405] * 7, label="logging out is a POST"),
    row("accounts/password/", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    # The second factor, each login's own. The cast has no authenticator app and the tests run
    # with TWO_FACTOR_REQUIRED off (DEBUG=1): nobody owes a code (tests/security/
    # test_two_factor.py is where they do). Anybody may set one up; a wrong code sends the form
    # back and turns nothing on.
    row("accounts/two-factor/", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    row("accounts/two-factor/setup/", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    row("accounts/two-factor/setup/", POST, nothing,
        [LOGIN] + [SENT_BACK] * 6, label="a wrong code",
        data=lambda w, args: {"code": "12345x", "next": "/"}, snapshot=two_factor_devices),
    row("accounts/two-factor/verify/", GET, nothing,
        [LOGIN] + [to("/")] * 6, label="no code owed: sent on"),
    row("accounts/two-factor/recovery-codes/", POST, nothing,
        [LOGIN] + [to("/accounts/two-factor/")] * 6, label="no authenticator: nothing made",
        data=lambda w, args: {"confirmation": "x"}, snapshot=two_factor_devices),
    row("accounts/two-factor/recovery-codes/", GET, nothing,
        [LOGIN] + [E405] * 6, label="new codes are a POST"),
    row("i18n/setlang/", POST, nothing,
        [to("/")] * 7, data=lambda w, args: {"language": "en", "next": "/"}),
    # Monitoring: anybody, no login (states and ages only, nothing secret).
    row("healthz", GET, worker_alive,
        [OK] * 7),
    # Phone numbers: committee admins of the member's / partner's committee only, audited.
    row("branches/members/<int:pk>/phone/", POST, member_a1,
        [LOGIN, E404, E404, E404, DONE, E404, E404],
        a1=True, snapshot=audit_count, done=revealed(lambda w: w.cast.member_a1.phone)),
    row("branches/members/<int:pk>/phone/", GET, member_a1,
        [LOGIN, E405, E405, E405, E405, E405, E405], label="a reveal is a POST"),
    row("partnerships/contacts/<int:pk>/phone/", POST, partner_contact,
        [LOGIN, E404, E404, E404, DONE, E404, E404],
        snapshot=audit_count, done=revealed(lambda w: w.contact.phone)),
    row("partnerships/contacts/<int:pk>/phone/", GET, partner_contact,
        [LOGIN, E405, E405, E405, E405, E405, E405], label="a reveal is a POST"),

    # --- Activities: lists, each user's own scope -----------------------------------------
    row("activities/", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    row("activities/export.xlsx", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    # The review queue is for reviewers: a secretary has no right to act there.
    row("activities/review/", GET, nothing,
        [LOGIN, E403, E403, OK, OK, OK, OK]),
    # Branch editors log for their branches, committee staff and admins for the committee.
    row("activities/new/", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    # Saving the form: each for the organisers they may log for (the key in the form's action);
    # any other organiser is not found, and nothing is written.
    row("activities/new/", POST, for_branch_a1,
        [LOGIN, DONE, E404, E404, E404, E404, E404],
        a1=True, label="for branch A1", query="organiser={organiser}", data=activity_form,
        snapshot=activities_logged, done=logged({"secretary_a1": "branch_a1"})),
    row("activities/new/", POST, for_committee_a,
        [LOGIN, E404, E404, DONE, DONE, E404, E404],
        label="for committee A itself", query="organiser={organiser}", data=activity_form,
        snapshot=activities_logged,
        done=logged({"staff_a": None, "admin_a": None})),
    # Without a key: the user's only organiser. A2's form does not take A1's member without A1
    # as co-organiser; committee B's forms do not offer committee A's measure, goal, partner.
    row("activities/new/", POST, nothing,
        [LOGIN, DONE, SENT_BACK, DONE, DONE, SENT_BACK, SENT_BACK],
        label="the user's own organiser", data=activity_form, snapshot=activities_logged,
        done=logged({"secretary_a1": "branch_a1", "staff_a": None, "admin_a": None})),

    # The form kept as a draft while it is filled in, and the committee's members found by
    # name: for the organisers the user may log for only.
    row("activities/new/autosave/", POST, for_branch_a1,
        [LOGIN, DONE, E404, E404, E404, E404, E404],
        a1=True, label="for branch A1", query="organiser={organiser}", data=activity_form,
        snapshot=activities_logged, done=autosaved),
    row("activities/new/autosave/", GET, for_branch_a1,
        [LOGIN, E405, E405, E405, E405, E405, E405], label="a save is a POST",
        query="organiser={organiser}"),
    row("activities/members/search/", GET, for_branch_a1,
        [LOGIN, OK, E404, E404, E404, E404, E404],
        a1=True, label="for branch A1", query="organiser={organiser}&q=张"),

    # --- Activities: one activity of branch A1 (a draft) ------------------------------------
    row("activities/<int:pk>/", GET, a1_activity,
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True),
    # Only the organising branch edits; committee staff read and review but do not edit.
    row("activities/<int:pk>/edit/", GET, a1_activity,
        [LOGIN, OK, E404, E403, E403, E404, E404], a1=True),
    row("activities/<int:pk>/edit/", POST, fresh_draft,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, label="save", data=activity_edit_form, snapshot=activity_fields, done=edited),
    row("activities/<int:pk>/attachments/", POST, fresh_draft,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, data=new_photo, snapshot=activity_state, done=uploaded),
    row("activities/<int:pk>/autosave/", POST, fresh_draft,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, label="kept as a draft", data=activity_edit_form, snapshot=activity_fields,
        done=autosaved),
    # A submitted activity is locked: its organiser is sent back to its page, nothing changes.
    row("activities/<int:pk>/edit/", GET, fresh_submitted,
        [LOGIN, DETAIL, E404, E403, E403, E404, E404],
        a1=True, label="submitted: locked"),
    row("activities/<int:pk>/edit/", POST, fresh_submitted,
        [LOGIN, DETAIL, E404, E403, E403, E404, E404],
        a1=True, label="save submitted: locked", data=activity_edit_form,
        snapshot=activity_fields),
    row("activities/<int:pk>/attachments/", POST, fresh_submitted,
        [LOGIN, DETAIL, E404, E403, E403, E404, E404],
        a1=True, label="submitted: locked", data=new_photo, snapshot=activity_state),
    row("activities/<int:pk>/attachments/", GET, a1_activity,
        [LOGIN, E405, E405, E405, E405, E405, E405], label="an upload is a POST"),
    row("activities/attachments/<int:pk>/delete/", GET, fresh_draft_photo,
        [LOGIN, OK, E404, E403, E403, E404, E404],
        a1=True, label="confirm page", snapshot=attachment_exists),
    row("activities/attachments/<int:pk>/delete/", POST, fresh_draft_photo,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, snapshot=attachment_exists, done=deleted),
    # The organiser submits; reviewers (staff and admins of A) approve, return and reopen.
    row(WORKFLOW, POST, transition("submit", ActivityStatus.DRAFT),
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, label="submit a draft", snapshot=activity_state,
        done=moved_to(ActivityStatus.SUBMITTED, ActivityAction.SUBMITTED)),
    row(WORKFLOW, POST, transition("approve", ActivityStatus.SUBMITTED),
        [LOGIN, E403, E404, DONE, DONE, E404, E404],
        a1=True, label="approve", snapshot=activity_state,
        done=moved_to(ActivityStatus.APPROVED, ActivityAction.APPROVED, on_to_next=True)),
    row(WORKFLOW, POST, transition("return", ActivityStatus.SUBMITTED),
        [LOGIN, E403, E404, DONE, DONE, E404, E404],
        a1=True, label="return with a comment", data=comment, snapshot=activity_state,
        done=moved_to(ActivityStatus.RETURNED, ActivityAction.RETURNED, on_to_next=True)),
    row(WORKFLOW, POST, transition("reopen", ActivityStatus.APPROVED),
        [LOGIN, E403, E404, DONE, DONE, E404, E404],
        a1=True, label="reopen with a reason", data=comment, snapshot=activity_state,
        done=moved_to(ActivityStatus.RETURNED, ActivityAction.REOPENED)),
    # A move the status does not allow, or without its reason: back to the page, nothing done.
    row(WORKFLOW, POST, transition("approve", ActivityStatus.DRAFT),
        [LOGIN, E403, E404, DETAIL, DETAIL, E404, E404],
        a1=True, label="approve a draft: refused", snapshot=activity_state),
    row(WORKFLOW, POST, transition("return", ActivityStatus.SUBMITTED),
        [LOGIN, E403, E404, DETAIL, DETAIL, E404, E404],
        a1=True, label="return without a comment: refused", snapshot=activity_state),
    row(WORKFLOW, POST, transition("submit", ActivityStatus.DRAFT, future=True),
        [LOGIN, DETAIL, E404, E403, E403, E404, E404],
        a1=True, label="submit before it took place: refused", snapshot=activity_state),
    row(WORKFLOW, POST, transition("publish", ActivityStatus.DRAFT),
        [LOGIN, E404, E404, E404, E404, E404, E404],
        a1=True, label="unknown action", snapshot=activity_state),
    row(WORKFLOW, GET, transition("submit", ActivityStatus.DRAFT),
        [LOGIN, E405, E405, E405, E405, E405, E405],
        label="a transition is a POST", snapshot=activity_state),

    # --- Dashboards (issue 4): committee pages for its staff and admins; a branch's page for
    # its editors and its committee's reviewers ----------------------------------------------
    row("dashboard/", GET, nothing,
        [LOGIN, E403, E403, OK, OK, OK, OK]),
    row("dashboard/", GET, committee_a_id,
        [LOGIN, E403, E403, OK, OK, E404, E404], label="committee A asked for",
        query="committee={committee}"),
    row("dashboard/coverage/", GET, nothing,
        [LOGIN, E403, E403, OK, OK, OK, OK]),
    row("dashboard/trends/", GET, nothing,
        [LOGIN, E403, E403, OK, OK, OK, OK]),
    row("dashboard/partners/", GET, nothing,
        [LOGIN, E403, E403, OK, OK, OK, OK]),
    # "My branch" leads a secretary to their branch's page, a reviewer to the committee's.
    row("dashboard/my-branch/", GET, both_branches,
        [LOGIN, to("/dashboard/branches/{a1}/"), to("/dashboard/branches/{a2}/"),
         to("/dashboard/"), to("/dashboard/"), to("/dashboard/"), to("/dashboard/")]),
    row("dashboard/branches/<int:pk>/", GET, branch_a1_pk,
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True),

    # --- Progress reports (issue 5): the committee office's documents -----------------------
    row("reports/", GET, nothing,
        [LOGIN, E403, E403, OK, OK, OK, OK]),
    row("reports/", GET, committee_a_id,
        [LOGIN, E403, E403, OK, OK, E404, E404], label="committee A asked for",
        query="committee={committee}"),
    row("reports/", POST, committee_a_without_reports,
        [LOGIN, E403, E403, DONE, DONE, E404, E404], label="generate one",
        query="committee={committee}", data=last_month, snapshot=report_status,
        done=report_queued),
    row(("reports/<int:pk>/", "reports/<int:pk>/download/<slug:fmt>/"), GET, fresh_report,
        [LOGIN, E404, E404, OK, OK, E404, E404]),
    row("reports/<int:pk>/regenerate/", POST, fresh_report,
        [LOGIN, E404, E404, DONE, DONE, E404, E404], snapshot=report_status,
        done=report_queued),
    row("reports/<int:pk>/regenerate/", GET, fresh_report,
        [LOGIN, E405, E405, E405, E405, E405, E405], label="a POST only"),

    # --- Records (issue 15): an activity's 一事一档 for whoever reads the activity; evidence
    # packs of a branch for its officers, of the committee for its staff, each its requester's
    row("records/activity/<int:pk>/record.<slug:fmt>", GET, a1_record("pdf"),
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True, label="PDF"),
    row("records/activity/<int:pk>/record.<slug:fmt>", GET, a1_record("docx"),
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True, label="Word"),
    row("records/evidence/", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),
    row("records/evidence/", POST, nothing,
        [LOGIN, DONE, SENT_BACK, DONE, DONE, SENT_BACK, SENT_BACK], label="branch A1's quarter",
        data=a1_last_quarter, snapshot=packs, done=pack_queued),
    row(("records/evidence/<int:pk>/", "records/evidence/<int:pk>/download/"), GET, fresh_pack,
        [LOGIN, OK, E404, E404, E404, E404, E404], a1=True),

    # --- Partner confirmation (issue 16), the logged-in side: the activity's organiser and
    # the committee's admins ask its partners, withdraw a link, send the one reminder; staff
    # read the activity (403), outsiders do not (404). A partner's own-page links are the
    # committee admins' alone.
    row("activities/<int:pk>/", GET, asked_activity,
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True, label="its partners asked"),
    row("activities/<int:pk>/partners/", GET, fresh_submitted,
        [LOGIN, OK, E404, E403, OK, E404, E404], a1=True),
    row("activities/<int:pk>/partners/", POST, fresh_submitted,
        [LOGIN, DONE, E404, E403, DONE, E404, E404], a1=True, label="ask",
        data=lambda w, args: {"contacts": [w.contact.pk]}, snapshot=partner_links,
        done=links_shown),
    row("partners/links/<int:pk>/withdraw/", GET, fresh_partner_link,
        [LOGIN, OK, E404, E403, OK, E404, E404], a1=True, snapshot=partner_links),
    row("partners/links/<int:pk>/withdraw/", POST, fresh_partner_link,
        [LOGIN, DONE, E404, E403, DONE, E404, E404], a1=True, label="withdraw",
        snapshot=partner_links, done=withdrawn),
    row("partners/links/<int:pk>/withdraw/", GET, fresh_page_link,
        [LOGIN, E404, E404, E404, OK, E404, E404], label="a partner's page link",
        snapshot=partner_links),
    row("partners/links/<int:pk>/withdraw/", POST, fresh_page_link,
        [LOGIN, E404, E404, E404, DONE, E404, E404], label="withdraw a partner's page link",
        snapshot=partner_links, done=withdrawn),
    row("partners/links/<int:pk>/remind/", POST, fresh_partner_link,
        [LOGIN, DONE, E404, E403, DONE, E404, E404], a1=True, label="remind",
        snapshot=partner_links, done=reminded),
    row("partners/links/<int:pk>/remind/", GET, fresh_partner_link,
        [LOGIN, E405, E405, E405, E405, E405, E405], label="a reminder is a POST"),
    row("partners/contacts/<int:pk>/page-links/", GET, partner_contact,
        [LOGIN, E404, E404, E404, OK, E404, E404]),
    row("partners/contacts/<int:pk>/page-links/", POST, partner_contact,
        [LOGIN, E404, E404, E404, DONE, E404, E404], label="give a page link",
        snapshot=partner_links, done=page_link_shown),
    # --- Partner links (issue 16): public behind a token. The token is the key, a login is
    # not looked at: every user gets the same answer, and with a bad token the invalid page ---
    row("p/<str:token>/", GET, partner_link,
        [OK] * 7),
    row("p/<str:token>/", GET, forged_link,
        [INVALID_LINK] * 7, label="forged token"),
    row("p/<str:token>/", POST, fresh_partner_token,
        [DONE] * 7, label="confirm", data=confirmed, snapshot=partner_answers,
        done=partner_answered),
    row("p/<str:token>/", POST, forged_link,
        [INVALID_LINK] * 7, label="forged token", data=confirmed, snapshot=partner_answers),
    row(("p/<str:token>/photo/<int:attachment_id>/",
         "p/<str:token>/photo/<int:attachment_id>/thumb/"), GET, partner_photo,
        [OK] * 7),
    row(("p/<str:token>/photo/<int:attachment_id>/",
         "p/<str:token>/photo/<int:attachment_id>/thumb/"), GET, forged_link,
        [INVALID_LINK] * 7, label="forged token"),
    row(("p/<str:token>/photo/<int:attachment_id>/",
         "p/<str:token>/photo/<int:attachment_id>/thumb/"), GET, other_activitys_photo,
        [INVALID_LINK] * 7, label="another activity's photo"),
    row("p/u/<str:token>/", GET, partner_page,
        [OK] * 7),
    row("p/u/<str:token>/", GET, partner_link,
        [INVALID_LINK] * 7, label="an answer link's token"),
    row("p/u/<str:token>/", GET, forged_link,
        [INVALID_LINK] * 7, label="forged token"),
    row("p/u/<str:token>/<int:activity_id>/", POST, page_pending,
        [DONE] * 7, label="confirm", data=confirmed_on_page, snapshot=partner_answers,
        done=page_answered),
    row("p/u/<str:token>/<int:activity_id>/", POST, page_not_waiting,
        [INVALID_LINK] * 7, label="an activity not waiting for the contact",
        data=confirmed_on_page, snapshot=partner_answers),
    row("p/u/<str:token>/<int:activity_id>/", GET, page_pending,
        [E405] * 7, label="an answer is a POST"),

    # --- On-site sign-in (issue 17), the organisers' side: the officers of the organising
    # branch hold their activity's sign-in (committee staff a committee-level one's); readers
    # who may not hold it get a 403, those who cannot read the activity a 404 ---------------
    row("activities/<int:pk>/signin/", GET, signin_activity,
        [LOGIN, OK, E404, E403, E403, E404, E404], a1=True),
    row("activities/<int:pk>/signin/", GET, signin_to_open,
        [LOGIN, OK, E404, E403, E403, E404, E404], a1=True, label="not opened yet"),
    row("activities/<int:pk>/signin/", GET, committee_signin,
        [LOGIN, E404, E404, OK, OK, E404, E404], label="committee A's own activity"),
    row("activities/<int:pk>/signin/open/", POST, signin_to_open,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, snapshot=signin_state, done=signin_opened),
    row("activities/<int:pk>/signin/open/", POST, fresh_submitted,
        [LOGIN, to("/activities/{pk}/signin/"), E404, E403, E403, E404, E404],
        a1=True, label="submitted: refused", snapshot=signin_state),
    row("activities/<int:pk>/signin/open/", GET, signin_to_open,
        [LOGIN, E405, E405, E405, E405, E405, E405], label="opening is a POST"),
    row(("activities/<int:pk>/signin/live/", "activities/<int:pk>/signin/poster/",
         "activities/<int:pk>/signin/add/"), GET, signin_activity,
        [LOGIN, OK, E404, E403, E403, E404, E404], a1=True),
    row(("activities/<int:pk>/signin/live/", "activities/<int:pk>/signin/poster/",
         "activities/<int:pk>/signin/close/", "activities/<int:pk>/signin/add/"), GET,
        signin_to_open,
        [LOGIN, E404, E404, E403, E403, E404, E404], a1=True, label="not opened: no sign-in"),
    row(("activities/<int:pk>/signin/live/", "activities/<int:pk>/signin/poster/"), POST,
        signin_activity,
        [LOGIN, E405, E405, E405, E405, E405, E405], label="read only", snapshot=signin_state),
    # The close page on a sign-in of its own: the crawl (tests/security/test_hostile_crawl.py)
    # sends its form, and the matrix's sign-in stays open for the public rows.
    row("activities/<int:pk>/signin/close/", GET, fresh_signin,
        [LOGIN, OK, E404, E403, E403, E404, E404], a1=True, snapshot=signin_state),
    row("activities/<int:pk>/signin/close/", POST, fresh_signin,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, label="close and write into the activity", snapshot=signin_state,
        done=signin_closed),
    row("activities/<int:pk>/signin/add/", GET, signin_search,
        [LOGIN, OK, E404, E403, E403, E404, E404],
        a1=True, label="a member searched", query="q={q}"),
    row("activities/<int:pk>/signin/add/", POST, fresh_signin,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, label="a guest by hand", data=guest_by_hand, snapshot=signin_state,
        done=signin_added(EntryKind.GUEST)),
    row("activities/<int:pk>/signin/add/", POST, fresh_signin,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, label="a member by hand", data=lambda w, args: {"member": w.cast.member_a2.pk},
        snapshot=signin_state, done=signin_added(EntryKind.MEMBER_GUEST)),
    row("activities/<int:pk>/signin/add/", POST, fresh_signin,
        [LOGIN, to("/activities/{pk}/signin/add/"), E404, E403, E403, E404, E404],
        a1=True, label="another committee's member: refused",
        data=lambda w, args: {"member": w.cast.member_b1.pk}, snapshot=signin_state),
    row("activities/<int:pk>/signin/entries/<int:entry_id>/remove/", GET, signin_entry,
        [LOGIN, OK, E404, E403, E403, E404, E404], a1=True),
    row("activities/<int:pk>/signin/entries/<int:entry_id>/remove/", POST, fresh_signin_entry,
        [LOGIN, DONE, E404, E403, E403, E404, E404],
        a1=True, label="remove", snapshot=signin_state, done=signin_removed),
    row("activities/<int:pk>/signin/entries/<int:entry_id>/remove/", GET, other_signins_entry,
        [LOGIN, E404, E404, E403, E403, E404, E404], a1=True, label="another sign-in's entry"),
    row("activities/<int:pk>/signin/entries/<int:entry_id>/remove/", POST, other_signins_entry,
        [LOGIN, E404, E404, E403, E403, E404, E404],
        a1=True, label="remove another sign-in's entry", snapshot=signin_state),
    # --- On-site sign-in, the public side (``s/``): the code shown at the venue is the key, a
    # login only says who signs in as a member. Every user gets the same answer but there ---
    row("s/", GET, nothing,
        [OK] * 7),
    row("s/", POST, signin_scan,
        [DONE] * 7, label="the code shown now", data=code_shown_now, snapshot=signin_state,
        done=to_sign_page(EntryMethod.CODE)),
    row("s/", POST, signin_scan,
        [SENT_BACK] * 7, label="a code that opens nothing", data=code_opening_nothing,
        snapshot=signin_state),
    row("s/<str:token>/", GET, signin_scan,
        [DONE] * 7, label="the QR code shown now", snapshot=signin_state,
        done=to_sign_page(EntryMethod.SCAN)),
    row("s/<str:token>/", GET, signin_poster,
        [DONE] * 7, label="the door poster's code", snapshot=signin_state,
        done=to_sign_page(EntryMethod.POSTER)),
    row("s/<str:token>/", GET, signin_stale_scan,
        [EXPIRED_CODE] * 7, label="a code of five minutes ago"),
    row("s/<str:token>/", GET, signin_forged_scan,
        [NOT_A_SIGNIN] * 7, label="forged token"),
    row("s/<str:token>/", POST, signin_scan,
        [E405] * 7, label="a scan is a GET", snapshot=signin_state),
    row("s/in/<str:public_id>/", GET, signin_page,
        [OK] * 7, query="pass={pass}"),
    row("s/in/<str:public_id>/", GET, signin_page_without_pass,
        [EXPIRED_CODE] * 7, label="no pass", query="pass={pass}"),
    row("s/in/<str:public_id>/", GET, signin_page_expired_pass,
        [EXPIRED_CODE] * 7, label="an expired pass", query="pass={pass}"),
    row("s/in/<str:public_id>/", GET, signin_page_other_pass,
        [EXPIRED_CODE] * 7, label="another sign-in's pass", query="pass={pass}"),
    row("s/in/<str:public_id>/", GET, signin_page_unknown,
        [NOT_A_SIGNIN] * 7, label="no such sign-in", query="pass={pass}"),
    row("s/in/<str:public_id>/", POST, fresh_signin_page,
        [DONE] * 7, label="a partner's staff member signs in", query="pass={pass}",
        data=guest_signing, snapshot=signin_state, done=signed_in(EntryKind.PARTNER)),
    # A member signs in with their login: nobody logged in is asked to log in (and comes
    # back with the pass); a login of no member of committee A gets the page again.
    row("s/in/<str:public_id>/", POST, fresh_signin_page,
        [LOGIN, DONE, DONE, OK, OK, OK, OK], label="a member signs in", query="pass={pass}",
        data=member_signing, snapshot=signin_state,
        done=signed_in({"secretary_a1": EntryKind.ATTENDEE,
                        "secretary_a2": EntryKind.MEMBER_GUEST})),
    row("s/in/<str:public_id>/", POST, closed_signin_page,
        [E409] * 7, label="closed: refused", query="pass={pass}", data=guest_signing,
        snapshot=signin_state),
    row("s/in/<str:public_id>/", POST, signin_page_expired_pass,
        [EXPIRED_CODE] * 7, label="an expired pass", data=guest_signing, snapshot=signin_state),

    # --- Reminders (issue 5): everybody signed in has the page; each sees their own --------
    row("reminders/", GET, nothing,
        [LOGIN, OK, OK, OK, OK, OK, OK]),

    # --- The audit log (issue 6): committee admins read their committee's entries -----------
    row("audit/", GET, nothing,
        [LOGIN, E403, E403, E403, OK, E403, OK]),
    row("audit/", GET, nothing,
        [LOGIN, E403, E403, E403, OK, E403, OK], label="filtered",
        query="action=login&user=a&date_from=2026-01-01&date_to=2026-12-31&q=x&page=2"),

    # --- Stored files -----------------------------------------------------------------------
    row("files/<path:path>", GET, photo_file,
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True, label="photo"),
    row("files/<path:path>", GET, photo_thumbnail,
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True, label="thumbnail"),
    row("files/<path:path>", GET, staged_file,
        [LOGIN, OK, E404, E404, E404, E404, E404], a1=True, label="staged upload"),
    # A partnership and an honour are on the committee's roster, but the signed files of
    # branch A1's rows are A1's: A2's secretary gets 404 like for any A1 object.
    row("files/<path:path>", GET, agreement_file,
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True, label="agreement"),
    row("files/<path:path>", GET, evidence_file,
        [LOGIN, OK, E404, OK, OK, E404, E404], a1=True, label="honour evidence"),
    row("files/<path:path>", GET, lambda w: {"path": "secrets/settings.py"},
        [LOGIN, E404, E404, E404, E404, E404, E404], label="unknown folder"),

    # --- Django admin: the site's own pages -------------------------------------------------
    row("admin/", GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK]),
    row("admin/login/", GET, nothing,
        [OK, OK, OK, OK, to("/admin/"), OK, to("/admin/")]),
    row("admin/logout/", POST, nothing,
        [to("/admin/")] * 4 + [to("/accounts/login/"), to("/admin/"), to("/accounts/login/")]),
    # The admin's password page is the portal's (its rules and its throttle): a redirect for
    # anybody, and the portal's page then asks whoever is not logged in to log in.
    row("admin/password_change/", GET, nothing, [to("/accounts/password/")] * len(USERS)),
    row(("admin/password_change/done/", "admin/jsi18n/"), GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK]),
    row("admin/autocomplete/", GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK],
        query="app_label=activities&model_name=activity&field_name=partners&term="),
    # Activities have no get_absolute_url: "view on site" has nowhere to go.
    row("admin/r/<path:content_type_id>/<path:object_id>/", GET, view_on_site,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E404, ALOGIN, E404]),
    row(APP, GET, app("branches"),
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK], label="branches"),
    row(APP, GET, app("partnerships"),
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK], label="partnerships"),
    row(APP, GET, app("activities"),
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK], label="activities"),
    row(APP, GET, app("auth"),
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E404, ALOGIN, E404], label="auth: superuser only"),
    row(APP, GET, app("django_celery_beat"),
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E404, ALOGIN, E404], label="schedules: superuser only"),
    row(APP, GET, app("axes"),
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E404, ALOGIN, E404], label="lockouts: superuser only"),
    row("admin/(?P<url>.*)$", GET, lambda w: {"url": "no-such-page/"},
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E404, ALOGIN, E404]),

    # --- Django admin: logins and groups are the superuser's --------------------------------
    row(admin("auth/group/", "", "add/"), GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin("auth/group/", OBJ + "change/", OBJ + "history/", OBJ + "delete/"), GET, group,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin("auth/group/", OBJ), GET, group,
        [ALOGIN] * 4 + [to_change("auth/group/"), ALOGIN, to_change("auth/group/")]),
    row(admin("auth/user/", "", "add/"), GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin("auth/user/", "<id>/password/", OBJ + "change/", OBJ + "history/", OBJ + "delete/"),
        GET, login_of_a1,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin("auth/user/", OBJ), GET, login_of_a1,
        [ALOGIN] * 4 + [to_change("auth/user/"), ALOGIN, to_change("auth/user/")]),

    # --- Django admin: the committee itself (viewed and changed, never added or deleted) ----
    row(admin(COMMITTEE, ""), GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK]),
    row(admin(COMMITTEE, "add/"), GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin(COMMITTEE, OBJ + "change/", OBJ + "history/"), GET, committee_a,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, MISSING]),
    row(admin(COMMITTEE, OBJ + "delete/"), GET, committee_a,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin(COMMITTEE, OBJ), GET, committee_a,
        [ALOGIN] * 4 + [to_change(COMMITTEE), ALOGIN, to_change(COMMITTEE)]),

    # --- Django admin: the audit log (read-only) ---------------------------------------------
    row(admin(AUDIT_LOG, ""), GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK]),
    row(admin(AUDIT_LOG, "add/"), GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin(AUDIT_LOG, OBJ + "change/", OBJ + "history/"), GET, audit_entry,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, MISSING]),
    row(admin(AUDIT_LOG, OBJ + "delete/"), GET, audit_entry,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin(AUDIT_LOG, OBJ), GET, audit_entry,
        [ALOGIN] * 4 + [to_change(AUDIT_LOG), ALOGIN, to_change(AUDIT_LOG)]),
]

# Plain scoped admins (no history of their own): list and add for every committee admin, an
# object of committee A for its admin only; committee B's admin is told it does not exist.
for _model, _target in [
    ("branches/projectsite/", project_site_a),
    ("branches/branch/", branch_a1),
    ("activities/framework/", framework),
    ("activities/goal/", goal),
    ("activities/measure/", measure),
    ("activities/honour/", honour),
]:
    MATRIX += [
        row(admin(_model, "", "add/"), GET, nothing,
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK]),
        row(admin(_model, OBJ + "change/", OBJ + "history/", OBJ + "delete/"), GET, _target,
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, MISSING]),
        row(admin(_model, OBJ), GET, _target,
            [ALOGIN] * 4 + [to_change(_model), ALOGIN, to_change(_model)]),
    ]

# Admins with history (simple_history) and a page of deleted rows: another committee's object
# is "missing" on its change and delete pages, and a 404 on its history and version pages.
for _model, _target, _roster in [
    ("branches/member/", member, True),
    ("branches/branchrole/", branch_role, False),
    ("branches/committeerole/", committee_role, False),
    ("partnerships/partnerorganisation/", partner, True),
    ("partnerships/partnership/", partnership, False),
    ("partnerships/yearplan/", year_plan, True),
    ("activities/activity/", activity, False),
]:
    MATRIX += [
        row(admin(_model, "", "add/", "deleted/"), GET, nothing,
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK]),
        row(admin(_model, OBJ + "change/", OBJ + "delete/"), GET, _target,
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, MISSING]),
        row(admin(_model, OBJ + "history/", VERSION), GET, _target,
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, E404]),
        row(admin(_model, OBJ), GET, _target,
            [ALOGIN] * 4 + [to_change(_model), ALOGIN, to_change(_model)]),
    ]
    if _roster:  # the roster's CSV/XLSX import and export
        MATRIX += [
            row(admin(_model, "import/", "export/"), GET, nothing,
                [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK]),
            row(admin(_model, "process_import/"), GET, nothing,
                [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E405, ALOGIN, E405]),
        ]

# Renewing a partnership 续签: its admin's own page, a small form (the POST's answers:
# tests/partnerships/test_plans.py).
MATRIX += [
    row(admin("partnerships/partnership/", OBJ + "renew/"), GET, partnership,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, MISSING]),
]

# Archived instead of deleted (portal.core.archiving): the "Archived" page lists the committee's
# archived rows; restoring one is a POST only (the answers to a POST: tests/security/test_archive).
for _model, _target in [
    ("partnerships/partnerorganisation/", partner),
    ("partnerships/partnership/", partnership),
    ("activities/activity/", activity),
]:
    MATRIX += [
        row(admin(_model, "archived/"), GET, nothing,
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, OK, ALOGIN, OK]),
        row(admin(_model, OBJ + "restore/"), GET, _target,
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E405, ALOGIN, E405]),
    ]

# Locked-out logins (django-axes) are the superuser's, who unlocks one by deleting its row.
MATRIX += [
    row(admin(LOCKOUTS, "", "add/"), GET, nothing,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin(LOCKOUTS, OBJ + "change/", OBJ + "history/", OBJ + "delete/"), GET, lockout,
        [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
    row(admin(LOCKOUTS, OBJ), GET, lockout,
        [ALOGIN] * 4 + [to_change(LOCKOUTS), ALOGIN, to_change(LOCKOUTS)]),
]

# The periodic tasks (django-celery-beat) are the superuser's: committee admins are refused.
for _model in (PeriodicTask, CrontabSchedule, IntervalSchedule, SolarSchedule, ClockedSchedule):
    _path = f"django_celery_beat/{_model._meta.model_name}/"
    MATRIX += [
        row(admin(_path, "", "add/"), GET, nothing,
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
        row(admin(_path, OBJ + "change/", OBJ + "history/", OBJ + "delete/"), GET,
            beat_object(_model),
            [ALOGIN, ALOGIN, ALOGIN, ALOGIN, E403, ALOGIN, E403]),
        row(admin(_path, OBJ), GET, beat_object(_model),
            [ALOGIN] * 4 + [to_change(_path), ALOGIN, to_change(_path)]),
    ]
# fmt: on


# --- Building and checking requests -------------------------------------------------------

#: Regular-expression routes, written as the path they stand for.
REGEX_ROUTES = {
    VERSION: "{object_id}/history/{history_id}/",
    APP.removeprefix("admin/"): "{app_label}/",
    "(?P<url>.*)$": "{url}",
}
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def build_url(route: str, args: dict[str, Any]) -> str:
    for regex, template in REGEX_ROUTES.items():
        route = route.replace(regex, template)
    return "/" + CONVERTER.sub(r"{\1}", route).format(**args)


def all_routes() -> list[str]:
    """Every URL pattern of the portal, as the concatenation of its route strings."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                assert isinstance(pattern, URLPattern)
                yield route

    return list(walk(get_resolver().url_patterns, ""))


def does_not_exist_message(url: str, object_id: Any) -> str:
    """Django admin's own warning for an object outside the user's queryset."""
    match = get_resolver().resolve(url)
    model_admin = match.func.model_admin
    with translation.override("zh-hans"):
        return translation.gettext(
            "%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"
        ) % {"name": model_admin.model._meta.verbose_name, "key": object_id}


class Mismatch(Exception):
    """The answer differs from the table."""


def check(row: Row, expected: Outcome, response, w: World, args, url: str, before) -> None:
    """Raise ``Mismatch`` (or the ``done`` check's AssertionError) unless ``response`` is
    ``expected``."""
    if expected is DONE:
        assert row.done is not None, "DONE needs the row's done check"
        row.done(response, w, args, before)
        return
    location = response.get("Location")
    got = f"{response.status_code}" + (f" to {location}" if location else "")
    if response.status_code != expected.status:
        raise Mismatch(f"got {got}")
    if expected is INVALID_LINK and "链接无效或已过期" not in response.content.decode():
        raise Mismatch(f"got {got}, not the invalid link page")
    if expected is NOT_A_SIGNIN and "签到码无效" not in response.content.decode():
        raise Mismatch(f"got {got}, not the sign-in's not-valid page")
    if expected is EXPIRED_CODE and "二维码已过期" not in response.content.decode():
        raise Mismatch(f"got {got}, not the expired code page")
    if expected is SENT_BACK:
        form = (response.context or {}).get("form")
        if form is None or not form.errors:
            raise Mismatch(f"got {got} without a form's errors")
    if expected.location is None:
        return
    next_url = quote(response.wsgi_request.get_full_path(), safe="/")
    if location != expected.location.format(next=next_url, **args):
        raise Mismatch(f"got {got}")
    if expected is MISSING:
        warnings = [
            str(m) for m in get_messages(response.wsgi_request) if m.level == message_levels.WARNING
        ]
        if warnings != [does_not_exist_message(url, args["object_id"])]:
            raise Mismatch(f"got {got} with the warnings {warnings}")


def ask(row: Row, route: str, w: World, user_name: str) -> str | None:
    """Make the row's request as ``user_name``; a description of the mismatch, or None."""
    expected = row.outcomes[USERS.index(user_name)]
    args = row.target(w)
    url = build_url(route, args)
    before = row.snapshot(w, args) if row.snapshot else None
    client = w.client_as(user_name)
    data = row.data(w, args) if row.data else {}
    query = row.query.format(**args)
    path = url + (f"?{query}" if query else "")
    response = client.get(path) if row.method == GET else client.post(path, data)
    try:
        check(row, expected, response, w, args, url, before)
        if expected is not DONE and row.snapshot and row.snapshot(w, args) != before:
            raise Mismatch("refused, yet something changed")
    except (Mismatch, AssertionError) as error:
        first_line = str(error).splitlines()[0] if str(error) else "assertion failed"
        return f"{row.method} {url} as {user_name}: expected {expected!r}, {first_line}"
    finally:
        if response.streaming:  # read to the end: the test client then closes the file
            b"".join(response.streaming_content)
    return None


@pytest.fixture(scope="module")
def client() -> RecordingClient:
    """One test client for the module, keeping the responses it gets. Its requests come over
    HTTPS, as the production proxy says it (without that, production's redirect to HTTPS would
    answer them all)."""
    return RecordingClient(HTTP_X_FORWARDED_PROTO="https")


@pytest.fixture
def cast(module_cast: Cast, db: None) -> Cast:
    """The cast made once for the module and read again for each test (tests/conftest.py):
    each test's requests and rows are undone after it, as with a cast of its own. (The module
    is not shared automatically: its first test, on the URL patterns, needs no cast.)"""
    return module_cast.fresh()


@pytest.fixture
def world(cast: Cast, client: RecordingClient, settings, tmp_path) -> World:
    """The cast, asked with production's security settings (DEBUG stays off): the walk checks
    the answers of the table and, on the way, every response's security headers."""
    production_like(settings)
    settings.MEDIA_ROOT = tmp_path
    return World(cast, client)


def ask_with_headers(row: Row, route: str, w: World, user_name: str) -> list[str]:
    """``ask``, and the security header problems of every response it got (redirects too)."""
    client = w.client
    assert isinstance(client, RecordingClient)
    client.responses.clear()
    mismatch = ask(row, route, w, user_name)
    problems = [mismatch] if mismatch else []
    for response in client.responses:
        where = f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}"
        problems += [f"{where} as {user_name}: {p}" for p in header_problems(response)]
    return problems


# --- The tests ----------------------------------------------------------------------------


def test_every_url_pattern_has_a_row_and_every_row_a_pattern() -> None:
    routes = all_routes()
    covered = {route for r in MATRIX for route in r.routes}
    missing = [route for route in routes if route not in covered]
    assert not missing, "URL patterns without a row in MATRIX (decide who may open them):\n" + (
        "\n".join(missing)
    )
    stale = covered - set(routes)
    assert not stale, f"rows for URL patterns that no longer exist: {sorted(stale)}"


def section(row: Row) -> str:
    """Rows are run in sections: one per admin model, one for the admin site, one per route."""
    route = row.routes[0]
    if match := re.match(r"admin/(?:auth|branches|partnerships|activities)/\w+/", route):
        return match.group()
    return "admin (site)" if route.startswith("admin/") else f"/{route}"


SECTIONS: dict[str, list[Row]] = {}
for _row in MATRIX:
    SECTIONS.setdefault(section(_row), []).append(_row)


@pytest.mark.parametrize("name", SECTIONS)
def test_permission_matrix(name: str, world: World) -> None:
    """Each row of the section for each user: the table's answer, and every response with
    production's security headers, cookie flags and no markup the CSP refuses
    (tests/security/test_headers.py says which)."""
    failures = [
        failure
        for row in SECTIONS[name]
        for route in row.routes
        for user_name in USERS
        for failure in ask_with_headers(row, route, world, user_name)
    ]
    assert not failures, "\n".join(failures)


#: Rows naming an object of branch A1, asked with the method they accept.
A1_OBJECT_ROWS = [r for r in MATRIX if r.a1 and r.outcomes[USERS.index("secretary_a1")] != E405]


def test_secretary_of_another_branch_gets_404_on_every_object_url_of_branch_a1(
    world: World,
) -> None:
    labels = {(r.routes[0], r.label) for r in A1_OBJECT_ROWS}
    # Activities, their edit pages, files, thumbnails and workflow: none of them left out.
    assert {
        ("activities/<int:pk>/", ""),
        ("activities/<int:pk>/edit/", ""),
        ("activities/<int:pk>/edit/", "save"),
        ("activities/new/", "for branch A1"),
        ("activities/<int:pk>/attachments/", ""),
        ("activities/attachments/<int:pk>/delete/", "confirm page"),
        ("activities/attachments/<int:pk>/delete/", ""),
        ("files/<path:path>", "photo"),
        ("files/<path:path>", "thumbnail"),
        (WORKFLOW, "submit a draft"),
        (WORKFLOW, "approve"),
        (WORKFLOW, "return with a comment"),
        (WORKFLOW, "reopen with a reason"),
        ("branches/members/<int:pk>/phone/", ""),
        ("activities/<int:pk>/signin/", ""),
        ("activities/<int:pk>/signin/open/", ""),
        ("activities/<int:pk>/signin/close/", "close and write into the activity"),
        ("activities/<int:pk>/signin/add/", "a guest by hand"),
        ("activities/<int:pk>/signin/entries/<int:entry_id>/remove/", "remove"),
    } <= labels
    assert all(r.outcomes[USERS.index("secretary_a2")] == E404 for r in A1_OBJECT_ROWS)
    failures = [
        failure
        for row in A1_OBJECT_ROWS
        if (failure := ask(row, row.routes[0], world, "secretary_a2"))
    ]
    assert not failures, "\n".join(failures)
