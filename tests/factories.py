"""factory_boy factories for the portal's models."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from activities.models import (
    EVIDENCE_KINDS,
    Activity,
    ActivityKind,
    Attachment,
    AttachmentKind,
    Framework,
    Goal,
    Honour,
    HonourLevel,
    Measure,
)
from branches.models import (
    Branch,
    BusinessDomain,
    Committee,
    Gender,
    LifecycleStage,
    Member,
    ProjectSite,
    Region,
)
from partnerships.models import (
    Contact,
    PartnerKind,
    PartnerOrganisation,
    Partnership,
    PartnershipKind,
    PartnershipMember,
    PeriodKind,
    PlanItem,
    YearPlan,
)
from portal.partners.models import LinkPurpose, PartnerAnswer, PartnerLink, Verdict

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    name = factory.Sequence(lambda n: f"第{n}投资公司党委")
    short_name = factory.Sequence(lambda n: f"党委{n}")
    founded_on = dt.date(2019, 1, 1)


class ProjectSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectSite

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"项目{n}")
    city = "杭州"
    region = Region.YANGTZE_DELTA
    domain = BusinessDomain.RESETTLEMENT
    stage = LifecycleStage.BUILD


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"第{n}项目公司党支部")
    established_on = dt.date(2019, 6, 1)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    branch = factory.SubFactory(BranchFactory)
    committee = factory.LazyAttribute(lambda m: m.branch.committee)
    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Gender.MALE
    joined_party_on = dt.date(2010, 7, 1)
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    active_from = dt.date(2020, 1, 1)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganisation

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"共建单位{n}")
    kind = PartnerKind.COMMUNITY
    city = "杭州"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    committee = factory.SubFactory(CommitteeFactory)
    branch = factory.SubFactory(BranchFactory, committee=factory.SelfAttribute("..committee"))
    kind = PartnershipKind.PAIRING
    title = factory.Sequence(lambda n: f"结对共建协议{n}")
    starts_on = dt.date(2023, 1, 1)


class PartnershipMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnershipMember

    partnership = factory.SubFactory(PartnershipFactory)
    partner = factory.SubFactory(
        PartnerFactory, committee=factory.SelfAttribute("..partnership.committee")
    )
    joined_on = factory.LazyAttribute(lambda pm: pm.partnership.starts_on)


class YearPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YearPlan

    partnership = factory.SubFactory(PartnershipFactory)
    year = factory.LazyAttribute(lambda p: p.partnership.starts_on.year)


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem
        skip_postgeneration_save = True

    plan = factory.SubFactory(YearPlanFactory)
    title = factory.Sequence(lambda n: f"计划事项{n}")
    measure = factory.SubFactory(
        "tests.factories.MeasureFactory",
        committee=factory.SelfAttribute("..plan.partnership.committee"),
    )
    period_kind = PeriodKind.QUARTER
    period = 1
    branch = factory.LazyAttribute(lambda i: i.plan.partnership.branch)

    @factory.post_generation
    def partners(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.partners.set(extracted)


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    committee = factory.SubFactory(CommitteeFactory)
    name = "“136”党建联建共建模式"
    name_en = "The “136” joint Party-building model"
    main_line = "“投建营退”全产业链精益管理"
    main_line_en = "Lean management of the whole invest–build–operate–exit chain"


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    committee = factory.SubFactory(CommitteeFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda g: f"G{g.position}")
    title = factory.Sequence(lambda n: f"目标{n}")
    title_en = factory.Sequence(lambda n: f"Goal {n}")


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    committee = factory.SubFactory(CommitteeFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda m: f"M{m.position}")
    title = factory.Sequence(lambda n: f"举措{n}")
    title_en = factory.Sequence(lambda n: f"Measure {n}")
    subtitle = "夯实思想根基"
    subtitle_en = "Strengthen the ideological foundation"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    committee = factory.SubFactory(CommitteeFactory)
    branch = factory.SubFactory(BranchFactory, committee=factory.SelfAttribute("..committee"))
    measure = factory.SubFactory(MeasureFactory, committee=factory.SelfAttribute("..committee"))
    title = factory.Sequence(lambda n: f"联建活动{n}")
    kind = ActivityKind.STUDY
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + dt.timedelta(hours=2))
    location = "项目部会议室"
    summary = factory.LazyAttribute(lambda a: f"{a.title}：与共建单位一起学习交流。")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved as the services save (``activities.services._save_with_relations``): the row
        and its relations first, then ONE historical record of the result (``one_history_record``),
        instead of simple_history's record of the save and another of every ``.set()``."""
        activity = model_class(*args, **kwargs)
        activity.skip_history_when_saving = True
        activity.save()
        return activity

    # A complete activity by default, as submitting asks (``Activity.missing_essentials``):
    # a partner unit, a member who attended and a photo. ``partners=[]``, ``attendees=[]``
    # or ``evidence=False`` leave one out; a list given is used instead.
    @factory.post_generation
    def partners(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [PartnerFactory(committee=obj.committee)]
        obj.partners.set(extracted)

    @factory.post_generation
    def attendees(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [MemberFactory(branch=_attending_branch(obj))]
        obj.attendees.set(extracted)

    @factory.post_generation
    def evidence(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        # A row only: tests that open the file upload a real one.
        Attachment.objects.create(
            activity=obj,
            file=f"activities/{obj.committee_id}/{obj.pk}/photo.jpg",
            kind=AttachmentKind.PHOTO,
            caption="活动照片",
            original_name="photo.jpg",
        )

    @factory.post_generation
    def one_history_record(obj, create, extracted, **kwargs):
        if not create:
            return
        del obj.skip_history_when_saving
        obj.record_history("+")


def _attending_branch(activity: Activity) -> Branch:
    """The organising branch; for the committee's own activity, one of its branches."""
    if activity.branch is not None:
        return activity.branch
    branch = Branch.objects.filter(committee=activity.committee).order_by("pk").first()
    return branch or BranchFactory(committee=activity.committee)


class HonourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Honour

    committee = factory.SubFactory(CommitteeFactory)
    branch = factory.SubFactory(BranchFactory, committee=factory.SelfAttribute("..committee"))
    title = factory.Sequence(lambda n: f"荣誉{n}")
    level = HonourLevel.MUNICIPAL
    awarding_body = "杭州市建设局"
    awarded_on = dt.date(2023, 12, 1)


class PartnerLinkFactory(factory.django.DjangoModelFactory):
    """A link about one activity to one contact of one of its partner units (its token is
    not known: tests that open the page issue links through ``portal.partners.services``)."""

    class Meta:
        model = PartnerLink

    purpose = LinkPurpose.ANSWER
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    activity = factory.SubFactory(ActivityFactory)
    committee = factory.SelfAttribute("activity.committee")
    contact = factory.SubFactory(
        ContactFactory, partner__committee=factory.SelfAttribute("...activity.committee")
    )
    partner = factory.SelfAttribute("contact.partner")
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda link: link.created_at + dt.timedelta(days=30))


class PartnerAnswerFactory(factory.django.DjangoModelFactory):
    """What a contact answered through ``link``: a confirmation by default. It does not change
    the activity's ``partner_check`` (the services do): set it as the scene needs."""

    class Meta:
        model = PartnerAnswer

    link = factory.SubFactory(PartnerLinkFactory)
    activity = factory.SelfAttribute("link.activity")
    committee = factory.SelfAttribute("link.committee")
    contact = factory.SelfAttribute("link.contact")
    partner = factory.SelfAttribute("link.partner")
    verdict = Verdict.CONFIRMED
    answered_at = factory.LazyFunction(timezone.now)
    activity_version = factory.SelfAttribute("activity.version")


def audit_entry_backdate(pk: int, *, days: float) -> None:
    """Make audit entry ``pk`` ``days`` old. The log refuses every change, in the ORM and on
    PostgreSQL in the database (a trigger): the test switches the trigger off for its one
    update, as only a database superuser can."""
    from django.db import connection
    from django.db.models import QuerySet

    from branches.models import AuditEntry

    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET session_replication_role = replica")
        try:
            QuerySet.update(
                AuditEntry.objects.filter(pk=pk),
                created_at=timezone.now() - dt.timedelta(days=days),
            )
        finally:
            if postgresql:
                cursor.execute("SET session_replication_role = origin")


def audit_entries_wipe() -> None:
    """Delete every audit entry, as a test's own set-up may: around the ORM's refusal and, on
    PostgreSQL, the trigger (switched off for this one statement, as in
    ``audit_entry_backdate``)."""
    from django.db import connection

    from branches.models import AuditEntry

    postgresql = connection.vendor == "postgresql"
    entries = AuditEntry.objects.all()
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET session_replication_role = replica")
        try:
            entries._raw_delete(entries.db)
        finally:
            if postgresql:
                cursor.execute("SET session_replication_role = origin")


def give_essentials(activity: Activity) -> Activity:
    """Give an activity made without them what submitting asks for
    (``Activity.missing_essentials``): a partner unit, a member who attended, the summary and
    a photo. For tests that build an activity through the services, as the form does."""
    if not activity.partners.exists():
        activity.partners.add(PartnerFactory(committee=activity.committee))
    if not activity.attendees.exists():
        activity.attendees.add(MemberFactory(branch=_attending_branch(activity)))
    if not activity.summary.strip():
        Activity.objects.filter(pk=activity.pk).update(summary=f"{activity.title}：交流学习。")
        activity.summary = f"{activity.title}：交流学习。"
    if not activity.attachments.filter(kind__in=EVIDENCE_KINDS).exists():
        Attachment.objects.create(
            activity=activity,
            file=f"activities/{activity.committee_id}/{activity.pk}/photo.jpg",
            kind=AttachmentKind.PHOTO,
            original_name="photo.jpg",
        )
    return activity
