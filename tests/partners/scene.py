"""A partner unit asked about a joint activity of branch A1: the scene of the tests of the pages
behind partner links (tests/partners, tests/browser/test_partner_pages.py).

Names and numbers are distinctive so that a page showing one is caught: the members who
attended, and the partner's own contact, must never appear on a partner's page.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from activities.models import Activity, ActivityAction, ActivityStatus, Attachment, AttachmentKind
from activities.services import activity_transition, attachment_add
from partnerships.models import Contact, PartnerOrganisation
from portal.core.periods import Period, local_today
from portal.partners.services import partner_links_issue, partner_page_link_issue
from tests import factories
from tests.conftest import Cast

#: Members who attended the activity: their names and phones are never shown to a partner.
ATTENDEES = (("欧阳明远", "13811112222"), ("司马静怡", "13833334444"))
CONTACT_NAME = "上官联络员"
CONTACT_PHONE = "13955556666"
CONTACT_EMAIL = "shangguan@chunjiang.example.cn"
REVIEW_COMMENT = "审核意见：请补充签到表原件"


def recently() -> dt.datetime:
    """A few days ago, but this calendar year (local): the partner's page shows this year."""
    now = timezone.now()
    new_year = Period.year(local_today()).bounds()[0]
    three_days_ago = now - dt.timedelta(days=3)
    return three_days_ago if three_days_ago >= new_year else new_year + (now - new_year) / 2


def jpeg(name: str = "现场照片.jpg", colour: tuple[int, int, int] = (190, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf(name: str = "活动方案.pdf"):
    body = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\nstartxref\n9\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@dataclass
class Scene:
    cast: Cast
    partner: PartnerOrganisation
    contact: Contact
    activity: Activity
    photo: Attachment

    def new_activity(
        self,
        *,
        title: str = "联建活动",
        starts_at: dt.datetime | None = None,
        photo: bool = False,
        status: str = ActivityStatus.SUBMITTED,
        partners=None,
        measure=None,
        **facts,
    ) -> Activity:
        """An activity of branch A1 with the scene's partner, submitted (or approved);
        ``facts`` replace the scene's head counts, summary or outcome."""
        cast = self.cast
        members = [
            factories.MemberFactory(branch=cast.branch_a1, name=name, phone=phone)
            for name, phone in ATTENDEES
        ]
        activity = factories.ActivityFactory(
            committee=cast.committee_a,
            branch=cast.branch_a1,
            title=title,
            **({"measure": measure} if measure is not None else {}),
            created_by=cast.secretary_a1,
            starts_at=starts_at or recently(),
            partners=[self.partner] if partners is None else partners,
            attendees=members,
            evidence=not photo,
            **{
                "location": "春江街道党群服务中心",
                "external_participants": 12,
                "volunteers": 5,
                "beneficiaries": 80,
                "summary": "与春江街道共同开展安置房交付前的入户走访。",
                "outcome": "走访住户 120 户，收集意见 35 条。",
                **facts,
            },
        )
        if photo:
            attachment_add(
                activity,
                by=cast.secretary_a1,
                upload=jpeg(),
                kind=AttachmentKind.PHOTO,
                caption="入户走访合影",
            )
        if status in (ActivityStatus.SUBMITTED, ActivityStatus.APPROVED):
            activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
        if status == ActivityStatus.APPROVED:
            activity_transition(
                activity, action=ActivityAction.APPROVED, by=cast.staff_a, comment=REVIEW_COMMENT
            )
        activity.refresh_from_db()
        return activity

    def ask(self, activity: Activity | None = None, contact: Contact | None = None) -> str:
        """A new link asking ``contact`` (the scene's) about ``activity``: its token."""
        (issued,) = partner_links_issue(
            activity=activity or self.activity,
            contacts=[contact or self.contact],
            by=self.cast.secretary_a1,
        )
        return issued.token

    def page_token(self, contact: Contact | None = None) -> str:
        return partner_page_link_issue(contact=contact or self.contact, by=self.cast.admin_a).token


def build_scene(cast: Cast, *, measure=None) -> Scene:
    """Branch A1's submitted activity with 春江街道社区, a photo, a sign-in sheet and a PDF,
    its members and contact with distinctive names. Nobody is asked yet (``Scene.ask``)."""
    partner = factories.PartnerFactory(committee=cast.committee_a, name="春江街道社区")
    contact = factories.ContactFactory(
        partner=partner,
        name=CONTACT_NAME,
        phone=CONTACT_PHONE,
        email=CONTACT_EMAIL,
        is_primary=True,
    )
    scene = Scene(cast, partner, contact, activity=None, photo=None)  # type: ignore[arg-type]
    activity = scene.new_activity(
        title="春南安置房交付前入户走访", photo=True, status=ActivityStatus.DRAFT, measure=measure
    )
    cast = scene.cast
    attachment_add(
        activity,
        by=cast.secretary_a1,
        upload=jpeg("签到表.jpg", (20, 20, 200)),
        kind=AttachmentKind.SIGN_IN_SHEET,
        caption="签到表",
    )
    attachment_add(
        activity,
        by=cast.secretary_a1,
        upload=pdf(),
        kind=AttachmentKind.DOCUMENT,
        caption="活动方案",
    )
    activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    activity.refresh_from_db()
    scene.activity = activity
    scene.photo = activity.attachments.get(kind=AttachmentKind.PHOTO)
    return scene
