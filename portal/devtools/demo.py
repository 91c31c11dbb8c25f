"""Load the demo committee from ``portal.devtools.demo_data``: idempotent and deterministic.

Every row is found by a natural key (names, member numbers, titles, codes) and created when
missing; an existing row is saved only when a field really differs, so a second run on the
same day writes nothing — not even a history record. Rows go through ``full_clean()`` and the
same services the app uses (``activity_create``, ``branch_role_assign``,
``committee_role_grant``), so the demo obeys the app's integrity rules.

Only "today" moves the data: activities are generated up to the current month, probationary
members joined within the last year, and one pairing ends a few weeks from now.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from activities.models import (
    EVIDENCE_KINDS,
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    Attachment,
    AttachmentKind,
    Framework,
    Goal,
    Honour,
    Measure,
)
from activities.services import activity_create
from activities.uploads import prepare_upload
from branches import groups
from branches.access import forget_scope
from branches.models import (
    Branch,
    BranchRole,
    Committee,
    CommitteeRoleKind,
    Member,
    ProjectSite,
    RoleKind,
)
from branches.services import branch_role_assign, committee_role_grant
from partnerships.models import Contact, PartnerOrganisation, Partnership, PartnershipMember
from portal.devtools import demo_data as data

_UNKNOWN = object()


@dataclass
class DemoLoadResult:
    """What a load did: rows written, the resulting counts and the demo logins (if any)."""

    created: int = 0
    updated: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, what it is)
    password: str = ""


def demo_load(*, with_users: bool = False, today: dt.date | None = None) -> DemoLoadResult:
    """Create or bring up to date the demo committee; demo logins only with ``with_users``."""
    loader = _DemoLoader(today=today or timezone.localdate())
    with transaction.atomic():
        loader.load(with_users=with_users)
    return loader.result


class _DemoLoader:
    def __init__(self, *, today: dt.date) -> None:
        self.today = today
        self.result = DemoLoadResult()
        self.branches: dict[str, Branch] = {}
        self.members: dict[tuple[str, int], Member] = {}
        self.goals: dict[str, Goal] = {}
        self.measures: dict[str, Measure] = {}
        self.partners: dict[str, PartnerOrganisation] = {}
        self.partnerships: dict[str, Partnership] = {}
        self.activities: dict[tuple[int | None, str], Activity] = {}

    # --- generic helpers ---------------------------------------------------------------------

    def _ensure(
        self,
        model: type[models.Model],
        lookup: dict[str, Any],
        values: dict[str, Any],
        *,
        found: Any = _UNKNOWN,
    ) -> models.Model:
        """The row with ``lookup``: created with ``values`` if missing, updated only if different.

        ``found`` passes a row looked up in bulk beforehand (``None``: known to be missing).
        """
        obj = model.objects.filter(**lookup).first() if found is _UNKNOWN else found
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            obj._demo_created = True  # its relations are set for the first time: not an update
            self.result.created += 1
            return obj
        self._update(obj, values)
        return obj

    def _update(self, obj: models.Model, values: dict[str, Any]) -> bool:
        changed = [name for name, value in values.items() if _differs(obj, name, value)]
        if not changed:
            return False
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        auto_now = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
        obj.save(update_fields=changed + auto_now)
        self.result.updated += 1
        return True

    def _sync_m2m(self, obj: models.Model, name: str, wanted: list[models.Model]) -> None:
        """Set a many-to-many relation only when its members differ (no writes otherwise)."""
        manager = getattr(obj, name)
        if {o.pk for o in manager.all()} != {o.pk for o in wanted}:
            manager.set(wanted)
            if not getattr(obj, "_demo_created", False):
                self.result.updated += 1

    # --- the load ----------------------------------------------------------------------------

    def load(self, *, with_users: bool) -> None:
        self.committee = self._ensure(
            Committee,
            {"name": data.COMMITTEE["name"]},
            {k: v for k, v in data.COMMITTEE.items() if k != "name"},
        )
        self._load_framework()
        self._load_branches()
        self._load_members_and_roles()
        if with_users:
            self._load_users()
        self._load_partners()
        self._load_partnerships()
        self._load_activities()
        self._load_honours()
        self._count()

    def _load_framework(self) -> None:
        self._ensure(Framework, {"committee": self.committee}, dict(data.FRAMEWORK))
        for position, goal in enumerate(data.GOALS, start=1):
            self.goals[goal["code"]] = self._ensure(
                Goal,
                {"committee": self.committee, "code": goal["code"]},
                {"position": position, **{k: v for k, v in goal.items() if k != "code"}},
            )
        for position, measure in enumerate(data.MEASURES, start=1):
            self.measures[measure["code"]] = self._ensure(
                Measure,
                {"committee": self.committee, "code": measure["code"]},
                {"position": position, **{k: v for k, v in measure.items() if k != "code"}},
            )

    def _load_branches(self) -> None:
        sites = {}
        for site in data.SITES:
            sites[site.name] = self._ensure(
                ProjectSite,
                {"committee": self.committee, "name": site.name},
                {
                    "city": site.city,
                    "region": site.region,
                    "domain": site.domain,
                    "stage": site.stage,
                    "description": site.description,
                },
            )
        for order, spec in enumerate(data.BRANCHES, start=1):
            branch = self._ensure(
                Branch,
                {"committee": self.committee, "name": spec.name},
                {
                    "short_name": spec.short_name,
                    "established_on": spec.established_on,
                    "sort_order": order,
                },
            )
            self._sync_m2m(branch, "project_sites", [sites[name] for name in spec.sites])
            self.branches[spec.key] = branch

    def _load_members_and_roles(self) -> None:
        existing = {
            m.member_number: m
            for m in Member.objects.filter(committee=self.committee).exclude(member_number="")
        }
        for spec in data.members(self.today):
            self.members[spec.branch_key, spec.index] = self._ensure(
                Member,
                {"committee": self.committee, "member_number": spec.member_number},
                {
                    "branch": self.branches[spec.branch_key],
                    "name": spec.name,
                    "gender": spec.gender,
                    "status": spec.status,
                    "joined_party_on": spec.joined_party_on,
                    "post": spec.post,
                    "phone": spec.phone,
                    "active_from": spec.active_from,
                    "active_to": None,
                },
                found=existing.get(spec.member_number),
            )
        roles = {
            (r.branch_id, r.member_id, r.role, r.starts_on): r
            for r in BranchRole.objects.filter(branch__committee=self.committee)
        }
        for branch_spec in data.BRANCHES:
            branch = self.branches[branch_spec.key]
            # Ended terms first, so that the current secretary never overlaps a stored one.
            for role in sorted(branch_spec.roles, key=lambda r: r.ends_on is None):
                member = self.members[branch_spec.key, role.index]
                stored = roles.get((branch.pk, member.pk, role.role, role.starts_on))
                if stored is None:
                    branch_role_assign(
                        branch=branch,
                        member=member,
                        role=role.role,
                        starts_on=role.starts_on,
                        ends_on=role.ends_on,
                    )
                    self.result.created += 1
                else:
                    self._update(stored, {"ends_on": role.ends_on})

    def _secretary_on(self, branch_key: str, day: dt.date) -> Member | None:
        for role in data.BRANCHES[data.BRANCH_KEYS.index(branch_key)].roles:
            if (
                role.role == RoleKind.SECRETARY
                and role.starts_on <= day
                and (role.ends_on is None or day <= role.ends_on)
            ):
                return self.members[branch_key, role.index]
        return None

    def _load_users(self) -> None:
        user_model = get_user_model()
        editor_group = Group.objects.get(name=groups.BRANCH_EDITOR)
        self.result.password = data.DEMO_PASSWORD
        for spec in data.DEMO_USERS:
            is_office = spec.role in {CommitteeRoleKind.ADMIN, CommitteeRoleKind.STAFF}
            secretary = None if is_office else self._secretary_on(spec.role, self.today)
            # A secretary's login carries the person's name, as the header shows it.
            full_name = secretary.name if secretary else spec.display_name
            user = user_model.objects.filter(username=spec.username).first()
            if user is None:
                user = user_model(
                    username=spec.username,
                    first_name=full_name,
                    email=f"{spec.username}@example.com",
                )
                validate_password(data.DEMO_PASSWORD, user)
                user.set_password(data.DEMO_PASSWORD)
                user.full_clean()
                user.save()
                self.result.created += 1
            elif (
                not user.is_active
                or user.first_name != full_name
                or not user.check_password(data.DEMO_PASSWORD)
            ):
                user.is_active = True
                user.first_name = full_name
                user.set_password(data.DEMO_PASSWORD)
                user.save(update_fields=["is_active", "first_name", "password"])
                self.result.updated += 1

            if is_office:
                committee_role_grant(
                    user=user,
                    committee=self.committee,
                    role=CommitteeRoleKind(spec.role),
                    starts_on=dt.date(2023, 1, 1),
                )
                self.result.logins.append((spec.username, spec.display_name))
                continue
            if secretary is None:  # pragma: no cover - every demo branch has a secretary
                continue
            if secretary.user_id != user.pk:
                Member.objects.filter(user=user).exclude(pk=secretary.pk).update(user=None)
                self._update(secretary, {"user": user})
            # The roles may predate the login (an earlier load without users), so the editor
            # group that ``branch_role_assign`` grants to linked logins is granted here too.
            user.groups.add(editor_group)
            forget_scope(user)
            self.result.logins.append((spec.username, f"{spec.display_name} {secretary.name}"))

    def _load_partners(self) -> None:
        for spec in data.PARTNERS:
            partner = self._ensure(
                PartnerOrganisation,
                {"committee": self.committee, "name": spec.name},
                {
                    "kind": spec.kind,
                    "city": spec.city,
                    "has_party_organisation": spec.has_party_organisation,
                    "notes": spec.notes,
                    "is_active": True,
                },
            )
            self.partners[spec.name] = partner
            for contact in spec.contacts:
                self._ensure(
                    Contact,
                    {"partner": partner, "name": contact.name},
                    {"title": contact.title, "phone": contact.phone},
                )

    def _load_partnerships(self) -> None:
        for spec in data.partnerships(self.today):
            partnership = self._ensure(
                Partnership,
                {"committee": self.committee, "title": spec.title},
                {
                    "kind": spec.kind,
                    "branch": self.branches[spec.branch_key] if spec.branch_key else None,
                    "starts_on": spec.starts_on,
                    "ends_on": spec.ends_on,
                    "commitments": spec.commitments,
                },
            )
            self.partnerships[spec.title] = partnership
            for name, joined_on in spec.partners.items():
                self._ensure(
                    PartnershipMember,
                    {"partnership": partnership, "partner": self.partners[name]},
                    {"joined_on": joined_on},
                )

    # --- activities --------------------------------------------------------------------------

    def _load_activities(self) -> None:
        stored = Activity.objects.filter(committee=self.committee).prefetch_related(
            "partners", "attendees", "co_branches", "goals"
        )
        self.activities = {(a.branch_id, a.title): a for a in stored}
        reviewer = get_user_model().objects.filter(username="demo_staff").first()
        for spec in (
            data.ARTICLE_ACTIVITIES
            + data.monthly_activities(self.today)
            + data.review_cases(self.today)
        ):
            self._ensure_activity(spec, reviewer)

    def _ensure_activity(self, spec: data.ActivitySpec, reviewer: AbstractBaseUser | None) -> None:
        branch = self.branches[spec.branch_key] if spec.branch_key else None
        organisers = [spec.branch_key] if spec.branch_key else list(data.BRANCH_KEYS)
        organisers += list(spec.co_branches)
        starts_at = timezone.make_aware(dt.datetime.combine(spec.day, dt.time(*spec.start)))
        ends_at = starts_at + dt.timedelta(hours=spec.hours)
        secretary = self._secretary_on(spec.branch_key, spec.day) if spec.branch_key else None
        values: dict[str, Any] = {
            "kind": spec.kind,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "location": spec.location,
            "measure": self.measures[spec.measure],
            "partnership": self.partnerships[spec.partnership] if spec.partnership else None,
            "external_participants": spec.external_participants,
            "volunteers": spec.volunteers,
            "beneficiaries": spec.beneficiaries,
            "summary": spec.summary,
            "outcome": spec.outcome,
            # Submitting asks for a partner or the reason there was none.
            "no_partner_reason": "" if spec.partners else data.NO_PARTNER_REASON,
            "created_by": secretary.user if secretary else None,
            **self._review_fields(spec, ends_at, reviewer),
        }
        relations = {
            "partners": [self.partners[name] for name in spec.partners],
            "attendees": self._attendees(spec, organisers),
            "co_branches": [self.branches[key] for key in spec.co_branches],
            "goals": [self.goals[code] for code in spec.goals],
        }
        activity = self.activities.get((branch.pk if branch else None, spec.title))
        if activity is None:
            created_by = values.pop("created_by")
            activity = activity_create(
                created_by=created_by,
                committee=self.committee,
                branch=branch,
                title=spec.title,
                **values,
                **relations,
            )
            self.activities[branch.pk if branch else None, spec.title] = activity
            self._sync_timeline(activity)
            self._ensure_evidence(activity)
            self.result.created += 1
            return
        self._update(activity, values)
        self._sync_timeline(activity)
        self._ensure_evidence(activity)
        current = {name: {o.pk for o in getattr(activity, name).all()} for name in relations}
        if any(current[name] != {o.pk for o in objs} for name, objs in relations.items()):
            activity.validate_relations(**relations)
            for name, objs in relations.items():
                if current[name] != {o.pk for o in objs}:
                    getattr(activity, name).set(objs)
            self.result.updated += 1

    def _ensure_evidence(self, activity: Activity) -> None:
        """A submitted activity has its evidence (``Activity.missing_essentials``): the demo
        gives each one that is not a draft a drawn sign-in sheet, checked like an upload."""
        if activity.status == ActivityStatus.DRAFT:
            return
        if activity.attachments.filter(kind__in=EVIDENCE_KINDS).exists():
            return
        upload = SimpleUploadedFile("签到表.png", _sign_in_sheet_png(), content_type="image/png")
        prepared = prepare_upload(upload, AttachmentKind.SIGN_IN_SHEET)
        attachment = Attachment(
            activity=activity,
            kind=AttachmentKind.SIGN_IN_SHEET,
            caption=data.SIGN_IN_SHEET_CAPTION,
            original_name=prepared.original_name,
            size=prepared.size,
            uploaded_by=activity.created_by,
        )
        attachment.file.save(prepared.content.name, prepared.content, save=False)
        if prepared.thumbnail is not None:
            attachment.thumbnail.save(prepared.thumbnail.name, prepared.thumbnail, save=False)
        attachment.save()
        self.result.created += 1

    @staticmethod
    def _sync_timeline(activity: Activity) -> None:
        """The timeline the demo activity's status implies: logged, submitted, reviewed.

        Replaced only when it differs, so a second run writes nothing.
        """
        start = activity.submitted_at or activity.ends_at + dt.timedelta(hours=2)
        wanted = [
            (
                ActivityAction.CREATED,
                start - dt.timedelta(hours=1),
                activity.created_by_id,
                "",
                "",
                ActivityStatus.DRAFT,
            ),
        ]
        if activity.submitted_at:
            wanted.append(
                (
                    ActivityAction.SUBMITTED,
                    activity.submitted_at,
                    activity.created_by_id,
                    "",
                    ActivityStatus.DRAFT,
                    ActivityStatus.SUBMITTED,
                )
            )
        if activity.reviewed_at and activity.status in {
            ActivityStatus.APPROVED,
            ActivityStatus.RETURNED,
        }:
            action = (
                ActivityAction.APPROVED
                if activity.status == ActivityStatus.APPROVED
                else ActivityAction.RETURNED
            )
            wanted.append(
                (
                    action,
                    activity.reviewed_at,
                    activity.reviewed_by_id,
                    activity.review_comment,
                    ActivityStatus.SUBMITTED,
                    activity.status,
                )
            )
        fields = ("action", "at", "actor_id", "comment", "from_status", "to_status")
        stored = list(activity.events.order_by("at", "pk").values_list(*fields))
        if stored == wanted:
            return
        activity.events.all().delete()
        ActivityEvent.objects.bulk_create(
            ActivityEvent(activity=activity, **dict(zip(fields, row, strict=True)))
            for row in wanted
        )

    @staticmethod
    def _review_fields(
        spec: data.ActivitySpec, ends_at: dt.datetime, reviewer: AbstractBaseUser | None
    ) -> dict[str, Any]:
        local_end = timezone.localtime(ends_at)
        submitted_at = (
            None if spec.status == ActivityStatus.DRAFT else ends_at + dt.timedelta(hours=3)
        )
        reviewed_at = None
        if spec.status in {ActivityStatus.APPROVED, ActivityStatus.RETURNED}:
            days = 3 if spec.status == ActivityStatus.APPROVED else 1
            reviewed_at = timezone.make_aware(
                dt.datetime.combine(local_end.date() + dt.timedelta(days=days), dt.time(10, 0))
            )
        return {
            "status": spec.status,
            "submitted_at": submitted_at,
            "reviewed_at": reviewed_at,
            "reviewed_by": reviewer if reviewed_at else None,
            "review_comment": spec.review_comment,
        }

    def _attendees(self, spec: data.ActivitySpec, organisers: list[str]) -> list[Member]:
        """Members of the organising branches who were in the committee on the day.

        The secretary of the day always attends; the others are drawn with a seed made of the
        activity's key, so every run picks the same people.
        """
        chosen: list[Member] = []
        for key in organisers:
            secretary = self._secretary_on(key, spec.day)
            if secretary is not None and secretary.is_active_on(spec.day):
                chosen.append(secretary)
        if spec.secretaries_only:
            return chosen
        pool = [
            m
            for (key, _index), m in sorted(self.members.items())
            if key in organisers and m.is_active_on(spec.day) and m not in chosen
        ]
        rng = random.Random(f"136-demo|{spec.branch_key}|{spec.title}")  # noqa: S311
        extra = max(0, min(spec.attendees - len(chosen), len(pool)))
        return chosen + rng.sample(pool, extra)

    # --- honours and counts ------------------------------------------------------------------

    def _load_honours(self) -> None:
        for spec in data.HONOURS:
            branch = self.branches[spec.branch_key]
            honour = self._ensure(
                Honour,
                {"committee": self.committee, "title": spec.title},
                {
                    "branch": branch,
                    "level": spec.level,
                    "awarding_body": spec.awarding_body,
                    "awarded_on": spec.awarded_on,
                    "description": spec.description,
                },
            )
            earned_by = [self.activities[branch.pk, title] for title in spec.activities]
            honour.validate_relations(activities=earned_by)
            self._sync_m2m(honour, "activities", earned_by)

    def _count(self) -> None:
        committee = self.committee
        statuses = Counter(
            Activity.objects.filter(committee=committee).values_list("status", flat=True)
        )
        members = Member.objects.filter(committee=committee)
        self.result.counts = {
            "branches": Branch.objects.filter(committee=committee).count(),
            "members": members.count(),
            "current members": members.active_on(self.today).count(),
            "project sites": ProjectSite.objects.filter(committee=committee).count(),
            "goals": Goal.objects.filter(committee=committee).count(),
            "measures": Measure.objects.filter(committee=committee).count(),
            "partner organisations": PartnerOrganisation.objects.filter(
                committee=committee
            ).count(),
            "partnerships": Partnership.objects.filter(committee=committee).count(),
            "activities": sum(statuses.values()),
            **{f"activities {status}": statuses[status] for status in ActivityStatus.values},
            "honours": Honour.objects.filter(committee=committee).count(),
        }


def _sign_in_sheet_png() -> bytes:
    """A small drawing of a filled-in sign-in sheet: a header and ruled rows with strokes."""
    image = Image.new("RGB", (480, 640), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, 456, 72), fill=(196, 30, 40))
    for row in range(12):
        top = 96 + row * 44
        draw.line((24, top, 456, top), fill=(120, 120, 120), width=1)
        draw.line((60, top + 22, 60 + 40 + (row * 37) % 120, top + 20), fill=(20, 20, 80), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        return getattr(obj, model_field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value
