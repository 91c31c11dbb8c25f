"""Load the demo committee from ``portal.devtools.demo_data``: idempotent and deterministic.

Every row is found by a natural key (names, member numbers, titles, codes) and created when
missing; an existing row is saved only when a field really differs, so a second run on the
same day writes nothing — not even a history record. Rows go through ``full_clean()`` and the
same services the app uses (``activity_create``, ``branch_role_assign``,
``committee_role_grant``), so the demo obeys the app's integrity rules.

Only "today" moves the data: activities are generated up to the current month, probationary
members joined within the last year, and one pairing ends a few weeks from now.

The partners' side (issue 16) follows ``demo_data``'s proportions: most approved activities
with a partner are confirmed, and evaluated, by a named contact of the partner; submitted and
returned ones wait for the answer; one was corrected at a partner's request, asked again and
confirmed. The links are written with the hash of a random token that is never shown: a demo
partner page opens only through a new link issued in the portal. Like the timeline, an
activity's links and answers are replaced when they differ from the demo's (a link issued
through the portal meanwhile goes then).

The on-site sign-in (现场签到) follows ``demo_data.sign_ins``: two recent activities of 杭州 were
held with one — members scanning the code or typing it, partners' staff signing in with name
and unit, a member of another branch as a guest, a few added by the secretary by hand (补录)
— and their lists are the activities' attendees, external head counts and 签到表 PDFs; the
upcoming activity (``demo_data.upcoming``) has a sign-in open and nobody on it yet. The rows
are written directly (the services refuse sign-ins outside the activity's time): the list
goes into the activity through ``signin_apply`` while the activity is editable, else as that
service would have written it. Like the partners' side, a sheet is replaced when it differs
from the demo's (people signed in through the portal meanwhile go then).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext, override
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
    PartnerCheck,
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
from portal.devtools.synthetic import signin_closed_comment
from portal.partners.models import LinkPurpose, PartnerAnswer, PartnerLink, Verdict, token_hash
from portal.partners.services import TOKEN_BYTES
from portal.signin.models import (
    EXTERNAL_KINDS,
    EntryKind,
    EntryMethod,
    SignInEntry,
    SignInSheet,
    name_key,
)
from portal.signin.services import sheet_file_write, signin_apply

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
        #: partner name -> its contacts, the default contact first
        self.contacts: dict[str, list[Contact]] = {}
        self.activities: dict[tuple[int | None, str], Activity] = {}
        self.sign_ins = {(s.branch_key, s.title): s for s in data.sign_ins(today)}

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
            self.contacts[spec.name] = [
                self._ensure(
                    Contact,
                    {"partner": partner, "name": contact.name},
                    {
                        "title": contact.title,
                        "phone": contact.phone,
                        "email": contact.email,
                        "is_primary": number == 0,
                    },
                )
                for number, contact in enumerate(spec.contacts)
            ]

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
            + data.partner_cases(self.today)
            + data.upcoming(self.today)
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
        story = self._partner_story(spec, values)
        values["partner_check"] = story.check
        relations = {
            "partners": [self.partners[name] for name in spec.partners],
            "attendees": self._attendees(spec, organisers),
            "co_branches": [self.branches[key] for key in spec.co_branches],
            "goals": [self.goals[code] for code in spec.goals],
        }
        signin = self._signin_plan(spec, values, relations)
        if signin is not None:
            story.events += signin.events
        logged_at = signin.logged_at if signin is not None else None
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
            self._sync_partner_answers(activity, story)
            self._sync_timeline(activity, story, logged_at=logged_at)
            self._sync_signin(activity, signin)
            self._ensure_evidence(activity)
            self.result.created += 1
            return
        self._update(activity, values)
        self._sync_partner_answers(activity, story)
        self._sync_timeline(activity, story, logged_at=logged_at)
        current = {name: {o.pk for o in getattr(activity, name).all()} for name in relations}
        if any(current[name] != {o.pk for o in objs} for name, objs in relations.items()):
            activity.validate_relations(**relations)
            for name, objs in relations.items():
                if current[name] != {o.pk for o in objs}:
                    getattr(activity, name).set(objs)
            self.result.updated += 1
        self._sync_signin(activity, signin)
        self._ensure_evidence(activity)

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
    def _sync_timeline(
        activity: Activity, story: _PartnerStory, *, logged_at: dt.datetime | None = None
    ) -> None:
        """The timeline the demo activity's status implies: logged, submitted, reviewed, the
        partners' side (asked, answered; a correction's return, edit and resubmission) and the
        on-site sign-in's steps (in ``story.events`` too). Logged an hour before it was
        submitted, or at ``logged_at`` (before its sign-in opened).

        Replaced only when it differs, so a second run writes nothing.
        """
        submitted_at = story.first_submitted_at or activity.submitted_at
        start = submitted_at or activity.ends_at + dt.timedelta(hours=2)
        wanted = [
            (
                ActivityAction.CREATED,
                logged_at or start - dt.timedelta(hours=1),
                activity.created_by_id,
                "",
                "",
                ActivityStatus.DRAFT,
                None,
            ),
        ]
        if submitted_at:
            wanted.append(
                (
                    ActivityAction.SUBMITTED,
                    submitted_at,
                    activity.created_by_id,
                    "",
                    ActivityStatus.DRAFT,
                    ActivityStatus.SUBMITTED,
                    None,
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
                    None,
                )
            )
        # In time order; the sort is stable, so a step and its consequence (a correction and
        # the return it causes) keep their order.
        wanted = sorted(wanted + story.events, key=lambda row: row[1])
        fields = ("action", "at", "actor_id", "comment", "from_status", "to_status", "contact_id")
        stored = list(activity.events.order_by("at", "pk").values_list(*fields))
        if stored == wanted:
            return
        activity.events.all().delete()
        ActivityEvent.objects.bulk_create(
            ActivityEvent(activity=activity, **dict(zip(fields, row, strict=True)))
            for row in wanted
        )

    # --- the on-site sign-in -----------------------------------------------------------------

    def _signin_plan(
        self, spec: data.ActivitySpec, values: dict[str, Any], relations: dict[str, list]
    ) -> _SignInPlan | None:
        """The sign-in ``demo_data.sign_ins`` gives the activity, as unsaved rows and timeline
        steps, and the record it makes: the attendees are the attending members who signed in
        (an open sheet has nobody yet: no attendees, no head count), the external head count
        is the number of partners' staff and other guests. ``values`` and ``relations`` are
        brought in line."""
        sign_in = self.sign_ins.get((spec.branch_key, spec.title))
        if sign_in is None:
            return None
        user_id = _pk(values["created_by"])  # the secretary's login (none without demo logins)
        starts_at, ends_at = values["starts_at"], values["ends_at"]
        day_before = timezone.make_aware(
            dt.datetime.combine(spec.day - dt.timedelta(days=1), dt.time(16, 0))
        )
        if not sign_in.closed:
            # Logged the day before and the sign-in opened then, to print the door's poster.
            relations["attendees"] = []
            values["external_participants"] = 0
            opened_at = day_before + dt.timedelta(minutes=10)
            plan = _SignInPlan(
                closed=False, logged_at=day_before, opened_at=opened_at, by_id=user_id
            )
            plan.events.append(_signin_event(ActivityAction.SIGNIN_OPENED, opened_at, user_id))
            return plan
        plan = _SignInPlan(
            closed=True,
            logged_at=day_before,
            opened_at=starts_at - dt.timedelta(minutes=40),
            closed_at=ends_at + dt.timedelta(minutes=10),
            by_id=user_id,
        )
        rng = random.Random(f"136-demo-signin|{spec.branch_key}|{spec.title}")  # noqa: S311
        hand_at = ends_at - dt.timedelta(minutes=20)
        attendees = relations["attendees"]
        for number, member in enumerate(attendees):
            by_hand = number >= len(attendees) - sign_in.members_by_hand
            plan.add(
                kind=EntryKind.ATTENDEE,
                member=member,
                name=member.name,
                method=EntryMethod.CODE if number % 3 == 2 else EntryMethod.SCAN,
                by_hand=by_hand,
                at=hand_at if by_hand else starts_at + dt.timedelta(minutes=rng.randint(-25, 5)),
            )
        for key, index in sign_in.member_guests:
            member = self.members[key, index]
            plan.add(
                kind=EntryKind.MEMBER_GUEST,
                member=member,
                name=member.name,
                method=EntryMethod.SCAN,
                at=starts_at + dt.timedelta(minutes=rng.randint(-15, 5)),
            )
        guest_methods = (EntryMethod.SCAN, EntryMethod.POSTER, EntryMethod.CODE)
        for number, guest in enumerate(sign_in.guests):
            partner = self.partners[guest.unit] if guest.unit in spec.partners else None
            plan.add(
                kind=EntryKind.PARTNER if partner is not None else EntryKind.GUEST,
                partner=partner,
                unit_name="" if partner is not None else guest.unit,
                name=guest.name,
                phone=guest.phone,
                method=guest_methods[number % len(guest_methods)],
                by_hand=guest.by_hand,
                at=hand_at
                if guest.by_hand
                else starts_at + dt.timedelta(minutes=rng.randint(-20, 10)),
            )
        plan.entries.sort(key=lambda entry: entry.signed_at)  # stable: the order given
        values["external_participants"] = sum(e.kind in EXTERNAL_KINDS for e in plan.entries)
        with override(settings.LANGUAGE_CODE):
            plan.events.append(_signin_event(ActivityAction.SIGNIN_OPENED, plan.opened_at, user_id))
            for entry in plan.entries:
                if entry.method == EntryMethod.HAND:
                    comment = gettext("Added by hand: %(name)s") % {"name": entry.name}
                    plan.events.append(
                        _signin_event(
                            ActivityAction.SIGNIN_CHANGED, entry.signed_at, user_id, comment
                        )
                    )
        kinds = Counter(entry.kind for entry in plan.entries)
        summary = signin_closed_comment(
            len(plan.entries),
            kinds[EntryKind.ATTENDEE],
            kinds[EntryKind.PARTNER] + kinds[EntryKind.GUEST],
            kinds[EntryKind.MEMBER_GUEST],
        )
        plan.events.append(
            _signin_event(ActivityAction.SIGNIN_CLOSED, plan.closed_at, user_id, summary)
        )
        return plan

    def _sync_signin(self, activity: Activity, plan: _SignInPlan | None) -> None:
        """The activity's sheet as ``plan`` has it: left alone when it is (a second run writes
        nothing), else replaced, with its 签到表 PDF, and a closed one's list written into the
        activity again."""
        if plan is None:
            return
        sheet = SignInSheet.objects.filter(activity=activity).first()
        if sheet is not None:
            stored = [_entry_row(e) for e in sheet.entries.order_by("signed_at", "pk")]
            if (
                (sheet.opened_at, sheet.opened_by_id, sheet.closed_at, sheet.closed_by_id)
                == plan.sheet_row()
                and stored == [_entry_row(e) for e in plan.entries]
                and (sheet.sheet_file_id is not None) == plan.closed
            ):
                return
            self._drop_sheet(sheet)
            self.result.updated += 1
        else:
            self.result.created += 1
        sheet = SignInSheet.objects.create(
            activity=activity,
            committee_id=activity.committee_id,
            public_id=secrets.token_hex(5),
            secret=secrets.token_hex(32),
            opened_by_id=plan.by_id,
            opened_at=plan.opened_at,
            closed_at=plan.closed_at,
            closed_by_id=plan.by_id if plan.closed else None,
        )
        for entry in plan.entries:
            entry.sheet = sheet
            entry.committee_id = activity.committee_id
            entry.name_key = name_key(entry.name)
        SignInEntry.objects.bulk_create(plan.entries)
        if not plan.closed:
            return
        # The demo's drawn 签到表 (``_ensure_evidence``) gives way to the one the list makes.
        for drawn in activity.attachments.filter(
            kind=AttachmentKind.SIGN_IN_SHEET, caption=data.SIGN_IN_SHEET_CAPTION
        ):
            _delete_attachment(drawn)
        by = get_user_model().objects.filter(pk=plan.by_id).first()
        with override(settings.LANGUAGE_CODE):
            if activity.is_editable:
                signin_apply(sheet, by=by)
            else:
                self._signin_written(sheet, by=by)

    @staticmethod
    def _signin_written(sheet: SignInSheet, *, by: AbstractBaseUser | None) -> None:
        """A submitted or approved activity's sign-in, written into it when it closed (as
        ``signin_apply`` does, which refuses an activity that is no longer editable): its
        attendees and head count are the list's already (``_signin_plan``); the 签到表 PDF."""
        entries = list(
            sheet.entries.select_related("member", "member__branch", "partner", "added_by")
        )
        sheet_file_write(sheet, entries, by=by)
        sheet.applied_at = sheet.closed_at
        sheet.save(update_fields=["applied_at"])

    @staticmethod
    def _drop_sheet(sheet: SignInSheet) -> None:
        written = sheet.sheet_file
        sheet.delete()
        if written is not None:
            _delete_attachment(written)

    # --- the partners' side ------------------------------------------------------------------

    def _partner_story(self, spec: data.ActivitySpec, values: dict[str, Any]) -> _PartnerStory:
        """Whom the branch asked to confirm the activity, and what they answered.

        The default contacts of its first partner units that have one are asked an hour after
        it was submitted. An approved activity was confirmed (``CONFIRMED_SHARE`` of them; the
        rest were never asked) before staff reviewed it: by the first unit asked, and often
        by the second too, with an evaluation. A submitted or returned one waits for the
        answer. The draws are seeded with the activity's key, so every run tells the same.
        """
        if spec.title == data.CORRECTION.title:
            return self._correction_story(spec, values)
        story = _PartnerStory(actor_id=_pk(values["created_by"]))
        submitted_at = values["submitted_at"]
        asked = [self.contacts[name][0] for name in spec.partners if self.contacts.get(name)][
            : data.ASKED_PER_ACTIVITY
        ]
        if submitted_at is None or not asked:
            return story
        rng = random.Random(f"136-demo-partners|{spec.branch_key}|{spec.title}")  # noqa: S311
        approved = spec.status == ActivityStatus.APPROVED
        if approved and rng.random() >= data.CONFIRMED_SHARE:
            return story
        asked_at = submitted_at + dt.timedelta(hours=1)
        story.ask(asked_at, asked, status=ActivityStatus.SUBMITTED)
        story.check = PartnerCheck.PENDING
        if not approved:
            return story
        reviewed_at = values["reviewed_at"]
        for number, contact in enumerate(asked):
            if number and rng.random() >= data.SECOND_ANSWER_SHARE:
                continue
            rating = rng.choices(list(data.RATING_WEIGHTS), list(data.RATING_WEIGHTS.values()))[0]
            rating_comment = (
                rng.choice(data.RATING_COMMENTS[rating])
                if rng.random() < data.RATING_COMMENT_SHARE
                else ""
            )
            head_count = None
            if spec.external_participants and rng.random() < data.HEAD_COUNT_SHARE:
                head_count = rng.randint(
                    1, max(1, spec.external_participants // len(spec.partners))
                )
            answered_at = min(
                asked_at + dt.timedelta(hours=rng.randint(2, 40)),
                reviewed_at - dt.timedelta(hours=1),
            )
            story.answer(
                contact,
                at=answered_at,
                status=ActivityStatus.SUBMITTED,
                verdict=Verdict.CONFIRMED,
                partner_head_count=head_count,
                rating=rating,
                rating_comment=rating_comment,
            )
        story.check = PartnerCheck.CONFIRMED
        return story

    def _correction_story(self, spec: data.ActivitySpec, values: dict[str, Any]) -> _PartnerStory:
        """``demo_data.CORRECTION``: the contact asked for a correction the day after being
        asked, which handed the submitted activity back to the branch; the secretary corrected
        it the next day, submitted it again and asked again; the contact confirmed it a day
        later. It now waits for review. ``values`` are brought in line (submitted again, the
        return's comment, the version each step made)."""
        correction = data.CORRECTION
        contact = next(c for c in self.contacts[correction.partner] if c.name == correction.contact)
        first_submitted = values["ends_at"] + dt.timedelta(hours=3)
        asked_at = first_submitted + dt.timedelta(hours=1)
        corrected_at = asked_at + dt.timedelta(days=1)
        edited_at = corrected_at + dt.timedelta(days=1)
        submitted_again = edited_at + dt.timedelta(minutes=30)
        asked_again = submitted_again + dt.timedelta(minutes=5)
        confirmed_at = asked_again + dt.timedelta(days=1)
        with override(settings.LANGUAGE_CODE):
            returned_comment = gettext("%(contact)s asked for a correction: %(comment)s") % {
                "contact": contact,
                "comment": correction.comment,
            }
        # Versions: created 1, submitted 2, handed back 3, corrected 4, submitted again 5.
        values.update(
            submitted_at=submitted_again,
            reviewed_at=corrected_at,
            reviewed_by=None,
            review_comment=returned_comment,
            version=5,
        )
        actor_id = _pk(values["created_by"])
        story = _PartnerStory(actor_id=actor_id, first_submitted_at=first_submitted)
        story.ask(asked_at, [contact], status=ActivityStatus.SUBMITTED)
        story.answer(
            contact,
            at=corrected_at,
            status=ActivityStatus.SUBMITTED,
            verdict=Verdict.CORRECTION,
            comment=correction.comment,
            activity_version=2,
        )
        story.events += [
            (
                ActivityAction.RETURNED,
                corrected_at,
                None,
                returned_comment,
                ActivityStatus.SUBMITTED,
                ActivityStatus.RETURNED,
                contact.pk,
            ),
            (ActivityAction.EDITED, edited_at, actor_id, "", "", ActivityStatus.RETURNED, None),
            (
                ActivityAction.SUBMITTED,
                submitted_again,
                actor_id,
                "",
                ActivityStatus.RETURNED,
                ActivityStatus.SUBMITTED,
                None,
            ),
        ]
        story.ask(asked_again, [contact], status=ActivityStatus.SUBMITTED)
        story.answer(
            contact,
            at=confirmed_at,
            status=ActivityStatus.SUBMITTED,
            verdict=Verdict.CONFIRMED,
            partner_head_count=correction.partner_head_count,
            rating=correction.rating,
            rating_comment=correction.rating_comment,
            activity_version=5,
        )
        story.check = PartnerCheck.CONFIRMED
        return story

    def _sync_partner_answers(self, activity: Activity, story: _PartnerStory) -> None:
        """The activity's links and answers as ``story`` tells them: replaced only when they
        differ, so a second run writes nothing (and keeps the token hashes)."""
        expires = dt.timedelta(days=settings.PARTNER_LINK_DAYS)

        def link_row(link: PartnerLink) -> tuple:
            return (
                link.purpose,
                link.contact_id,
                link.created_by_id,
                link.created_at,
                link.expires_at,
                link.emailed_at,
                link.answered_at,
                link.revoked_at,
            )

        def answer_row(answer: PartnerAnswer, link_index: int) -> tuple:
            return (
                link_index,
                answer.contact_id,
                answer.verdict,
                answer.partner_head_count,
                answer.comment,
                answer.rating,
                answer.rating_comment,
                answer.answered_at,
                answer.activity_version,
            )

        for link in story.links:
            link.committee_id = activity.committee_id
            link.activity = activity
            link.created_by_id = story.actor_id
            link.expires_at = link.created_at + expires
            link.emailed_at = link.created_at if link.contact.email else None
        # As they are read back: in the order they were given.
        answers = sorted(story.answers, key=lambda pair: pair[1].answered_at)
        for _link_index, answer in answers:
            answer.committee_id = activity.committee_id
            answer.activity = activity
            if answer.activity_version is None:
                answer.activity_version = activity.version

        stored_links = list(activity.partner_links.order_by("created_at", "pk"))
        position = {link.pk: n for n, link in enumerate(stored_links)}
        stored_answers = [
            answer_row(answer, position.get(answer.link_id, -1))
            for answer in activity.partner_answers.order_by("answered_at", "pk")
        ]
        if [link_row(k) for k in stored_links] == [link_row(k) for k in story.links] and (
            stored_answers == [answer_row(a, n) for n, a in answers]
        ):
            return
        replacing = bool(stored_links or stored_answers)
        activity.partner_answers.all().delete()
        activity.partner_links.all().delete()
        for link in story.links:
            link.token_hash = token_hash(secrets.token_urlsafe(TOKEN_BYTES))
        PartnerLink.objects.bulk_create(story.links)
        for link_index, answer in answers:
            answer.link = story.links[link_index]
        PartnerAnswer.objects.bulk_create([answer for _n, answer in answers])
        if replacing:
            self.result.updated += 1
        else:
            self.result.created += len(story.links) + len(story.answers)

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
            "partner links": PartnerLink.objects.filter(committee=committee).count(),
            "partner answers": PartnerAnswer.objects.filter(committee=committee).count(),
            "sign-in sheets": SignInSheet.objects.filter(committee=committee).count(),
            "sign-in entries": SignInEntry.objects.filter(committee=committee).count(),
            **{
                f"with partners: {row['partner_check']}": row["count"]
                for row in Activity.objects.filter(committee=committee, partners__isnull=False)
                .values("partner_check")
                .annotate(count=models.Count("pk", distinct=True))
                .order_by("partner_check")
            },
        }


@dataclass
class _PartnerStory:
    """The partners' side of one demo activity, as unsaved rows: its links (in the order they
    were issued), its answers (each with the index of the link it came through) and the
    timeline entries they make (rows of ``_DemoLoader._sync_timeline``)."""

    actor_id: int | None = None
    check: str = PartnerCheck.NOT_ASKED
    links: list[PartnerLink] = field(default_factory=list)
    answers: list[tuple[int, PartnerAnswer]] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    #: a corrected activity was first submitted before it was handed back
    first_submitted_at: dt.datetime | None = None

    def ask(self, at: dt.datetime, contacts: list[Contact], *, status: str) -> None:
        for contact in contacts:
            self.links.append(
                PartnerLink(
                    purpose=LinkPurpose.ANSWER,
                    partner_id=contact.partner_id,
                    contact=contact,
                    created_at=at,
                )
            )
        self.events.append(
            (
                ActivityAction.PARTNER_ASKED,
                at,
                self.actor_id,
                "、".join(str(contact) for contact in contacts),
                status,
                status,
                None,
            )
        )

    def answer(
        self,
        contact: Contact,
        *,
        at: dt.datetime,
        status: str,
        activity_version: int | None = None,
        **fields: Any,
    ) -> None:
        """``contact`` answers through the latest link they were given."""
        link_index = max(n for n, link in enumerate(self.links) if link.contact == contact)
        self.links[link_index].answered_at = at
        answer = PartnerAnswer(
            partner_id=contact.partner_id,
            contact=contact,
            answered_at=at,
            activity_version=activity_version,
            **fields,
        )
        self.answers.append((link_index, answer))
        with override(settings.LANGUAGE_CODE):
            said = answer.said()
        action = (
            ActivityAction.PARTNER_CORRECTION
            if answer.verdict == Verdict.CORRECTION
            else ActivityAction.PARTNER_CONFIRMED
        )
        self.events.append((action, at, None, said, status, status, contact.pk))


@dataclass
class _SignInPlan:
    """The on-site sign-in of one demo activity, as unsaved entries (in the order they signed)
    and the timeline steps it makes (rows of ``_DemoLoader._sync_timeline``)."""

    closed: bool
    #: when the activity was logged: before its sign-in opened
    logged_at: dt.datetime
    opened_at: dt.datetime
    #: the secretary's login: opened and closed the sheet, added people by hand
    by_id: int | None
    closed_at: dt.datetime | None = None
    entries: list[SignInEntry] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)

    def sheet_row(self) -> tuple:
        return (
            self.opened_at,
            self.by_id,
            self.closed_at,
            self.by_id if self.closed else None,
        )

    def add(self, *, at: dt.datetime, method: str, by_hand: bool = False, **fields: Any) -> None:
        self.entries.append(
            SignInEntry(
                signed_at=at,
                method=EntryMethod.HAND if by_hand else method,
                added_by_id=self.by_id if by_hand else None,
                **fields,
            )
        )


def _signin_event(action: str, at: dt.datetime, actor_id: int | None, comment: str = "") -> tuple:
    """A sign-in step on the timeline, taken while the activity was a draft."""
    return (action, at, actor_id, comment, "", ActivityStatus.DRAFT, None)


def _entry_row(entry: SignInEntry) -> tuple:
    return (
        entry.kind,
        entry.member_id,
        entry.name,
        entry.partner_id,
        entry.unit_name,
        entry.phone,
        entry.method,
        entry.added_by_id,
        entry.signed_at,
    )


def _delete_attachment(attachment: Attachment) -> None:
    """Delete an attachment row, and its file once the transaction is committed."""
    names = [f.name for f in (attachment.file, attachment.thumbnail) if f]
    storage = attachment.file.storage
    attachment.delete()
    for name in names:
        transaction.on_commit(lambda name=name: storage.delete(name))


def _pk(obj: models.Model | None) -> int | None:
    return obj.pk if obj is not None else None


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
