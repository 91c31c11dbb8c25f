"""The committee's framework (1 main line, N goals, M measures) and its joint activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history import utils as simple_history_utils
from simple_history.models import HistoricalRecords
from simple_history.signals import (
    post_create_historical_m2m_records,
    pre_create_historical_m2m_records,
)

from branches.models import Branch, Committee, Member
from branches.scoping import BranchWorkQuerySet, ScopedManager
from partnerships.models import (
    Contact,
    PartnerOrganisation,
    Partnership,
    PartnershipStatus,
    PlanItem,
)
from portal.core.archiving import ArchivableModel, live_manager
from portal.core.uploads import IMAGE, PDF, CheckedFileField

#: Counts above this are refused as typing mistakes (a joint activity is not a stadium event).
MAX_PEOPLE_COUNT = 100_000
#: An end this long after the start is a typing mistake (a campaign is logged per event).
MAX_DURATION = dt.timedelta(days=31)
#: A start date before this year is a typing mistake (the portal records current work).
EARLIEST_ACTIVITY_YEAR = 2000


class TranslatedText:
    """Chinese text with an optional English translation, shown when the UI is in English."""

    def localized(self, field_name: str) -> str:
        chinese = getattr(self, field_name)
        if translation.get_language() == "en":
            return getattr(self, f"{field_name}_en", "") or chinese
        return chinese


class Framework(TranslatedText, models.Model):
    """A committee's model, e.g. "136": one main line, ordered goals and measures."""

    committee = models.OneToOneField(
        Committee, on_delete=models.CASCADE, related_name="framework", verbose_name=_("committee")
    )
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. “136” model"))
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    main_line = models.CharField(_("main line"), max_length=200)
    main_line_en = models.CharField(_("main line (English)"), max_length=300, blank=True)
    main_line_description = models.TextField(_("main line explained"), blank=True)
    main_line_description_en = models.TextField(_("main line explained (English)"), blank=True)

    committee_path = "committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")

    def __str__(self) -> str:
        return f"{self.committee} · {self.name}"

    @property
    def name_display(self) -> str:
        return self.localized("name")

    @property
    def main_line_display(self) -> str:
        return self.localized("main_line")

    @property
    def main_line_description_display(self) -> str:
        return self.localized("main_line_description")


class FrameworkItem(TranslatedText, models.Model):
    """Shared shape of goals and measures: ordered, coded, titled, in two languages."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, verbose_name=_("committee"))
    position = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("title"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    committee_path = "committee"
    objects = ScopedManager()

    class Meta:
        abstract = True
        ordering = ["committee", "position"]

    def __str__(self) -> str:
        return f"{self.code} {self.title_display}"

    @property
    def title_display(self) -> str:
        return self.localized("title")

    @property
    def description_display(self) -> str:
        return self.localized("description")


class Goal(FrameworkItem):
    """One of the framework's goals 目标 (the "3" of 136)."""

    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="goals", verbose_name=_("committee")
    )

    class Meta(FrameworkItem.Meta):
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.UniqueConstraint(fields=["committee", "code"], name="goal_code_unique"),
            models.UniqueConstraint(fields=["committee", "position"], name="goal_position_unique"),
        ]


class Measure(FrameworkItem):
    """One of the framework's measures 举措 (the "6" of 136); each is a kind of joint activity."""

    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="measures", verbose_name=_("committee")
    )
    subtitle = models.CharField(_("subtitle"), max_length=100, blank=True)
    subtitle_en = models.CharField(_("subtitle (English)"), max_length=150, blank=True)

    class Meta(FrameworkItem.Meta):
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(fields=["committee", "code"], name="measure_code_unique"),
            models.UniqueConstraint(
                fields=["committee", "position"], name="measure_position_unique"
            ),
        ]

    @property
    def subtitle_display(self) -> str:
        return self.localized("subtitle")


class ActivityKind(models.TextChoices):
    LECTURE = "lecture", _("Lecture or briefing")
    STUDY = "study", _("Joint study session")
    VISIT = "visit", _("Visit to an education base")
    MEETING = "meeting", _("Meeting or forum")
    SIGNING = "signing", _("Signing ceremony")
    SERVICE = "service", _("Volunteer service")
    DRILL = "drill", _("Drill or training")
    SITE_WORK = "site_work", _("On-site work")
    CARE = "care", _("Care visit")
    SUPERVISION = "supervision", _("Supervision or inspection")
    OTHER = "other", _("Other")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


#: Statuses in which the organising branch may still change the activity.
EDITABLE_STATUSES = frozenset({ActivityStatus.DRAFT, ActivityStatus.RETURNED})


class PartnerCheck(models.TextChoices):
    """Where the partner units' confirmation of an activity's record stands (portal.partners).

    Kept on the activity (``Activity.partner_check``) so that lists, dashboards and reports read
    it without a query per row; only the services of ``portal.partners`` and the activity's own
    edits (which supersede a confirmation) change it."""

    NOT_ASKED = "none", _("not asked")
    PENDING = "pending", _("awaiting the partner")
    CONFIRMED = "confirmed", _("confirmed by the partner")
    CORRECTION = "correction", _("correction asked")
    SUPERSEDED = "superseded", _("changed after confirmation")


class ActivityAction(models.TextChoices):
    """What happened to an activity; each is one entry of its timeline."""

    CREATED = "created", _("created")
    EDITED = "edited", _("edited")
    SUBMITTED = "submitted", _("submitted for review")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned for changes")
    REOPENED = "reopened", _("reopened")
    ARCHIVED = "archived", _("archived")
    RESTORED = "restored", _("restored from the archive")
    # The partner units' side (portal.partners): asked by the branch, answered by a contact.
    PARTNER_ASKED = "p_asked", _("partner asked to confirm")
    PARTNER_CONFIRMED = "p_confirm", _("confirmed by the partner")
    PARTNER_CORRECTION = "p_correct", _("correction asked by the partner")
    # On-site sign-in (portal.signin): opened, closed or reopened by an organiser, and its
    # list changed by hand (the comment says whom).
    SIGNIN_OPENED = "si_open", _("on-site sign-in opened")
    SIGNIN_CLOSED = "si_close", _("on-site sign-in closed")
    SIGNIN_REOPENED = "si_reopen", _("on-site sign-in reopened")
    SIGNIN_CHANGED = "si_hand", _("sign-in list changed by hand")


#: action -> (statuses it may start from, status it leads to)
ACTIVITY_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    ActivityAction.SUBMITTED: (EDITABLE_STATUSES, ActivityStatus.SUBMITTED),
    ActivityAction.APPROVED: (frozenset({ActivityStatus.SUBMITTED}), ActivityStatus.APPROVED),
    ActivityAction.RETURNED: (frozenset({ActivityStatus.SUBMITTED}), ActivityStatus.RETURNED),
    # Reopening an approved activity hands it back to the branch, as a return does.
    ActivityAction.REOPENED: (frozenset({ActivityStatus.APPROVED}), ActivityStatus.RETURNED),
}
#: Actions the reviewer must explain to the branch.
ACTIONS_NEEDING_A_REASON = frozenset({ActivityAction.RETURNED, ActivityAction.REOPENED})
#: Actions only committee staff (reviewers) take; the rest are the organiser's.
REVIEW_ACTIONS = frozenset(
    {ActivityAction.APPROVED, ActivityAction.RETURNED, ActivityAction.REOPENED}
)
#: Review actions that judge the organiser's work: four eyes apply (``access.is_own_work``).
#: Reopening hands an approved activity back and counts nothing: any reviewer may.
FOUR_EYES_ACTIONS = frozenset({ActivityAction.APPROVED, ActivityAction.RETURNED})
#: The timeline's steps that make an activity the actor's own work.
AUTHOR_ACTIONS = frozenset(
    {ActivityAction.CREATED, ActivityAction.EDITED, ActivityAction.SUBMITTED}
)


class TransitionError(ValidationError):
    """A workflow move that the activity's status (or a missing reason) does not allow."""


def missing_essentials_message(missing: Iterable[str]) -> str:
    """The sentence that tells the organiser what submitting still needs."""
    return _("It cannot be submitted for review yet. Still missing: %(missing)s.") % {
        "missing": str(pgettext_lazy("list separator", ", ")).join(str(m) for m in missing)
    }


def counted_as_done(prefix: str = "") -> Q:
    """What every figure counts — dashboards, reports, reminders, the coverage matrix: an
    approved activity that is not archived. ``prefix`` reaches the activity across a relation
    (``"activity__"``). Raw SQL takes the same rule from ``counted_as_done_sql``."""
    return Q(**{f"{prefix}status": ActivityStatus.APPROVED, f"{prefix}archived_at__isnull": True})


def waiting_for_review(prefix: str = "") -> Q:
    """Submitted and not archived: what the coverage matrix can show beside the approved ones
    (never counted as done)."""
    return Q(**{f"{prefix}status": ActivityStatus.SUBMITTED, f"{prefix}archived_at__isnull": True})


def counted_as_done_sql(alias: str) -> tuple[str, list[object]]:
    """``counted_as_done`` as an SQL condition on the activity table aliased ``alias``, with its
    parameters: compiled from the same ``Q``, so that raw queries cannot drift from it."""
    return condition_sql(counted_as_done(), alias)


def condition_sql(condition: Q, alias: str) -> tuple[str, list[object]]:
    """A condition on activities as SQL on the activity table aliased ``alias``, with its
    parameters (see ``counted_as_done_sql``)."""
    query = Activity._base_manager.filter(condition).query
    compiler = query.get_compiler(connection=connection)
    sql, params = query.where.as_sql(compiler, connection)
    table = connection.ops.quote_name(Activity._meta.db_table)
    return sql.replace(f"{table}.", f"{alias}."), list(params)


class ActivityQuerySet(BranchWorkQuerySet):
    """``for_user`` (from ``branches.access``): staff see the committee's, editors their
    branches' activities, organised or co-organised."""

    def approved(self) -> ActivityQuerySet:
        """Counted as done (``counted_as_done``)."""
        return self.filter(counted_as_done())

    def starting_between(self, start: dt.datetime, end: dt.datetime) -> ActivityQuerySet:
        return self.filter(starts_at__gte=start, starts_at__lt=end)


#: The change history of activities, with their four relations. The services write one
#: record per save once the relations are set (``Activity.record_history``), instead of one
#: per ``.set()`` that simple_history's ``m2m_changed`` handler would write.
class ActivityHistoricalRecords(HistoricalRecords):
    """simple_history's records, minus a query per relation per record.

    ``create_historical_record_m2ms`` (django-simple-history 3.13) asks the new historical
    record for ``.instance`` only to reach each relation's through model; with excluded fields
    that property reads the activity's row again, once per relation. The through model is the
    live instance's: same rows written, four queries fewer.
    """

    def create_historical_record_m2ms(self, history_instance, instance):
        # As simple_history 3.13 does it, with ``instance`` where it reads
        # ``history_instance.instance``.
        for field in history_instance._history_m2m_fields:
            m2m_history_model = self.m2m_models[field]
            through_model = getattr(instance, field.name).through
            names = [f.name for f in through_model._meta.fields]
            fk_names = [
                f.name for f in through_model._meta.fields if isinstance(f, models.ForeignKey)
            ]
            rows = through_model.objects.filter(
                **{simple_history_utils.get_m2m_field_name(field): instance}
            ).select_related(*fk_names)
            insert_rows = [
                m2m_history_model(history=history_instance, **{n: getattr(row, n) for n in names})
                for row in rows
            ]
            pre_create_historical_m2m_records.send(
                sender=m2m_history_model,
                rows=insert_rows,
                history_instance=history_instance,
                instance=instance,
                field=field,
            )
            created_rows = m2m_history_model.objects.bulk_create(insert_rows)
            post_create_historical_m2m_records.send(
                sender=m2m_history_model,
                created_rows=created_rows,
                history_instance=history_instance,
                instance=instance,
                field=field,
            )


ACTIVITY_HISTORY = ActivityHistoricalRecords(
    excluded_fields=["updated_at", "version"],
    m2m_fields=["co_branches", "goals", "partners", "attendees"],
)


class Activity(ArchivableModel):
    """A joint activity 联建活动, organised by a branch (or the committee itself).

    Archived instead of deleted (``portal.core.archiving``): ``objects`` leaves archived activities
    out of every list, dashboard and report; a committee admin restores them.
    """

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="activities", verbose_name=_("committee")
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("organising branch"),
        help_text=_("Empty for an activity of the committee itself."),
    )
    co_branches = models.ManyToManyField(
        Branch, blank=True, related_name="co_organised_activities", verbose_name=_("co-organisers")
    )
    title = models.CharField(_("title"), max_length=150)
    kind = models.CharField(
        pgettext_lazy("activity", "kind"), max_length=20, choices=ActivityKind.choices
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=150, blank=True)
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="activities", verbose_name=_("measure")
    )
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="activities", verbose_name=_("goals served")
    )
    partners = models.ManyToManyField(
        PartnerOrganisation,
        blank=True,
        related_name="activities",
        verbose_name=_("partner organisations"),
    )
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("partnership"),
    )
    #: The item of its partnership's yearly plan this activity fulfils (``partnerships``): the
    #: plan's progress counts the item done once such an activity counts as done.
    plan_item = models.ForeignKey(
        PlanItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("plan item fulfilled"),
    )
    attendees = models.ManyToManyField(
        Member, blank=True, related_name="attended_activities", verbose_name=_("members attending")
    )
    external_participants = models.PositiveIntegerField(_("external participants"), default=0)
    volunteers = models.PositiveIntegerField(_("volunteers"), default=0)
    beneficiaries = models.PositiveIntegerField(_("beneficiaries"), default=0)
    #: Why a joint activity had no partner unit (an internal study session, say): submitting
    #: needs a partner or this reason (``missing_essentials``).
    # A database default too: rows written without the ORM (generate_group's COPY) still insert.
    no_partner_reason = models.CharField(
        _("why no partner organisation"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
    )
    summary = models.TextField(_("summary"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    #: The partner units' confirmation of this record (``PartnerCheck``; portal.partners).
    # A database default too: rows written without the ORM (generate_group's COPY) still insert.
    partner_check = models.CharField(
        _("partner confirmation"),
        max_length=10,
        choices=PartnerCheck.choices,
        default=PartnerCheck.NOT_ASKED,
        db_default=PartnerCheck.NOT_ASKED,
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    #: Bumped by every save through the services and every transition: an edit form carries
    #: the version it was opened at, and a save from a stale form is refused (two editors).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = ACTIVITY_HISTORY
    committee_path = "committee"
    branch_path = "branch"
    co_branch_path = "co_branches"
    objects = live_manager(ActivityQuerySet)
    all_objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("joint activity")
        verbose_name_plural = _("joint activities")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="activity_ends_after_start",
                violation_error_message=_("The activity cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(external_participants__lte=MAX_PEOPLE_COUNT)
                & Q(volunteers__lte=MAX_PEOPLE_COUNT)
                & Q(beneficiaries__lte=MAX_PEOPLE_COUNT),
                name="activity_counts_plausible",
                violation_error_message=_("A head count is implausibly large."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActivityStatus.values),
                name="activity_status_known",
            ),
        ]
        indexes = [
            # The list's order (newest first, the id breaking ties) across committees, within
            # one committee, and within one status: the page is an index range, not a sort.
            models.Index(fields=["-starts_at", "-id"]),
            models.Index(fields=["committee", "-starts_at", "-id"]),
            models.Index(fields=["status", "-starts_at", "-id"]),
            # The dashboards' period aggregates: a committee's approved activities in a range.
            models.Index(fields=["committee", "status", "starts_at"]),
            models.Index(fields=["branch", "starts_at"]),
            models.Index(fields=["measure", "starts_at"]),
            models.Index(fields=["status", "committee"]),
        ]

    def __str__(self) -> str:
        return self.title

    def record_history(self, history_type: str = "~") -> None:
        """Write one historical record of the activity as it is now, relations included.

        For saves made with ``skip_history_when_saving`` set (``services``): ``"+"`` for a
        creation, ``"~"`` for a change.
        """
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            ACTIVITY_HISTORY.create_historical_record(self, history_type)

    @property
    def local_start_date(self) -> dt.date:
        return timezone.localtime(self.starts_at).date()

    def validate_constraints(self, exclude: Iterable[str] | None = None) -> None:
        """The table's check constraints, tested here in Python.

        Django would test each by a query in a savepoint, on every form save and again in the
        service: a dozen statements per save for rules ``clean()`` and the fields state
        anyway. The database still enforces them (Meta.constraints).
        """
        exclude = set(exclude or ())
        errors: dict[str, str] = {}
        for name in ("external_participants", "volunteers", "beneficiaries"):
            value = getattr(self, name)
            if name not in exclude and value is not None and value > MAX_PEOPLE_COUNT:
                errors[name] = _("A head count is implausibly large.")
        if "status" not in exclude and self.status not in ActivityStatus.values:
            errors["status"] = _("Unknown status.")
        # ends_at >= starts_at: clean() says so, with its own message.
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = _("The activity cannot end before it starts.")
        elif self.starts_at and self.ends_at and self.ends_at - self.starts_at > MAX_DURATION:
            errors["ends_at"] = _(
                "An activity lasts at most %(days)s days: log a longer campaign as several "
                "activities."
            ) % {"days": MAX_DURATION.days}
        if self.starts_at:
            earliest = dt.datetime(EARLIEST_ACTIVITY_YEAR, 1, 1, tzinfo=dt.UTC)
            latest = timezone.now() + dt.timedelta(days=settings.ACTIVITY_MAX_DAYS_AHEAD)
            if self.starts_at < earliest:
                errors["starts_at"] = _("The start date is before %(year)s: please check it.") % {
                    "year": EARLIEST_ACTIVITY_YEAR
                }
            elif self.starts_at > latest:
                errors["starts_at"] = _(
                    "The start date is more than %(days)s days ahead: please check it."
                ) % {"days": settings.ACTIVITY_MAX_DAYS_AHEAD}
        if self.committee_id:
            if self.branch_id and self.branch.committee_id != self.committee_id:
                errors["branch"] = _("The branch belongs to another committee.")
            if self.measure_id and self.measure.committee_id != self.committee_id:
                errors["measure"] = _("The measure belongs to another committee's framework.")
            if self.partnership_id and self.partnership.committee_id != self.committee_id:
                errors["partnership"] = _("The partnership belongs to another committee.")
        if self.partnership_id and self.starts_at and "partnership" not in errors:
            refusal = self.partnership_term_refusal()
            if refusal:
                errors["partnership"] = refusal
        if self.plan_item_id and "partnership" not in errors:
            if not self.partnership_id:
                errors["plan_item"] = _(
                    "Choose the partnership whose yearly plan this item belongs to."
                )
            elif self.plan_item.plan.partnership_id != self.partnership_id:
                errors["plan_item"] = _(
                    "The plan item belongs to the plan of another partnership: choose an item "
                    "of “%(partnership)s”."
                ) % {"partnership": self.partnership}
        if errors:
            raise ValidationError(errors)

    def partnership_term_refusal(self) -> str | None:
        """Why the activity cannot serve its partnership: it took place outside the
        agreement's term (an ended agreement keeps its history, but takes no new activity
        dated after its end). None when it is within the term."""
        partnership = self.partnership
        day = timezone.localdate(self.starts_at)
        if partnership.status_on(day) == PartnershipStatus.ACTIVE:
            return None
        values = {
            "partnership": partnership.title,
            "day": day.isoformat(),
            "start": partnership.starts_on.isoformat(),
            "end": partnership.ends_on.isoformat() if partnership.ends_on else "",
        }
        if partnership.ends_on is None:
            return (
                _(
                    "The activity took place on %(day)s, before “%(partnership)s” started "
                    "(%(start)s): choose a partnership in force on that day, or none."
                )
                % values
            )
        return (
            _(
                "The activity took place on %(day)s, outside the term of “%(partnership)s” "
                "(%(start)s to %(end)s): choose a partnership in force on that day, or none."
            )
            % values
        )

    # --- Review workflow -----------------------------------------------------------------
    @property
    def is_editable(self) -> bool:
        """Drafts and returned activities can be changed; submitted and approved ones cannot."""
        return self.status in EDITABLE_STATUSES

    def allowed_actions(self) -> list[str]:
        """The transitions the current status allows (who may take them is ``access``'s job)."""
        return [
            a for a, (sources, _target) in ACTIVITY_TRANSITIONS.items() if self.status in sources
        ]

    def transition(
        self, action: str, *, by: AbstractBaseUser, comment: str = "", self_review: bool = False
    ) -> ActivityEvent:
        """Move the activity along the review workflow, recording who, when and why.

        Illegal moves (wrong status, missing reason, a future activity submitted) raise
        ``TransitionError`` with a message for the user; nothing is written then. Callers hold
        the row locked (``services.activity_transition``) and check the user's right first;
        ``self_review`` marks on the timeline a reviewer judging their own work, as their
        committee allows.
        """
        try:
            sources, target = ACTIVITY_TRANSITIONS[action]
        except KeyError:
            raise TransitionError(_("Unknown action.")) from None
        if self.status not in sources:
            raise TransitionError(
                _("A %(status)s activity cannot be %(action)s.")
                % {"status": self.get_status_display(), "action": ActivityAction(action).label}
            )
        comment = (comment or "").strip()
        if action in ACTIONS_NEEDING_A_REASON and not comment:
            raise TransitionError(_("Please give a reason; the branch will see it."))
        if action == ActivityAction.SUBMITTED and self.starts_at > timezone.now():
            raise TransitionError(
                _("An activity can be submitted for review once it has taken place.")
            )
        if action == ActivityAction.SUBMITTED:
            missing = self.missing_essentials()
            if missing:
                raise TransitionError(missing_essentials_message(missing))
        if action == ActivityAction.APPROVED and self.awaits_partner_confirmation():
            raise TransitionError(
                _(
                    "Your committee approves an activity with partner organisations once a "
                    "partner has confirmed its record; this one is “%(state)s”."
                )
                % {"state": self.get_partner_check_display()}
            )
        now = timezone.now()
        previous = self.status
        self.status = target
        if action == ActivityAction.SUBMITTED:
            self.submitted_at = now
        else:
            self.reviewed_by = by
            self.reviewed_at = now
            self.review_comment = comment
        self.version += 1
        self.save()
        return ActivityEvent.objects.create(
            activity=self,
            action=action,
            actor=by,
            comment=comment,
            from_status=previous,
            to_status=target,
            self_review=self_review,
        )

    #: What a partner confirms (the partner's page shows these): changing one after a
    #: confirmation supersedes it (``PartnerCheck.SUPERSEDED``).
    PARTNER_FACT_FIELDS = (
        "title",
        "starts_at",
        "ends_at",
        "location",
        "branch_id",
        "measure_id",
        "external_participants",
        "volunteers",
        "beneficiaries",
        "summary",
        "outcome",
    )

    def partner_facts(self) -> tuple:
        """The record as a partner judged it: its shown fields, its partner units and how many
        members attended (two queries)."""
        return (
            tuple(getattr(self, name) for name in self.PARTNER_FACT_FIELDS),
            tuple(sorted(self.partners.values_list("pk", flat=True))),
            self.attendees.count(),
        )

    def awaits_partner_confirmation(self) -> bool:
        """Whether the committee's rule (``Committee.partner_confirmation_required``) holds the
        approval back: an activity with partner units that no partner has confirmed as it is."""
        return (
            self.committee.partner_confirmation_required
            and self.partner_check != PartnerCheck.CONFIRMED
            and self.partners.exists()
        )

    def return_for_partner_correction(self, *, contact: Contact, comment: str) -> ActivityEvent:
        """A partner's contact says a submitted record is not what happened: it goes back to
        the branch with their words, as a reviewer's return would, before anyone approves it.
        The caller holds the row locked (``portal.partners.services``)."""
        previous = self.status
        self.status = ActivityStatus.RETURNED
        self.reviewed_by = None
        self.reviewed_at = timezone.now()
        self.review_comment = comment
        self.version += 1
        self.save()
        return ActivityEvent.objects.create(
            activity=self,
            action=ActivityAction.RETURNED,
            contact=contact,
            comment=comment,
            from_status=previous,
            to_status=self.status,
        )

    def after_archive_change(self, *, by: AbstractBaseUser | None) -> None:
        """The timeline says who archived or restored the activity, and when."""
        ActivityEvent.objects.create(
            activity=self,
            action=ActivityAction.ARCHIVED if self.is_archived else ActivityAction.RESTORED,
            actor=by,
            from_status=self.status,
            to_status=self.status,
        )

    def missing_essentials(self) -> list[str]:
        """What submitting for review needs and the activity lacks, as short phrases.

        A joint activity is submitted with the unit it was held with (or the reason it had
        none), at least one member who attended, its summary, and its evidence: a photo or a
        sign-in sheet. A draft needs none of these. One query per relation asked.
        """
        missing = []
        if not self.no_partner_reason.strip() and not self.partners.exists():
            missing.append(str(_("a partner organisation (or why it had none)")))
        if not self.attendees.exists():
            missing.append(str(_("at least one member who attended")))
        if not self.summary.strip():
            missing.append(str(_("the summary")))
        if not self.attachments.filter(kind__in=EVIDENCE_KINDS).exists():
            missing.append(str(_("a photo or the sign-in sheet")))
        # An on-site sign-in (portal.signin) still open: its numbers are not confirmed yet.
        if Activity.all_objects.filter(
            pk=self.pk, signin_sheet__isnull=False, signin_sheet__closed_at__isnull=True
        ).exists():
            missing.append(str(_("the on-site sign-in closed, its numbers checked")))
        return missing

    def organising_branch_ids(self, co_branches: Iterable[Branch] | None = None) -> set[int]:
        ids = {b.pk for b in (co_branches if co_branches is not None else self.co_branches.all())}
        if self.branch_id:
            ids.add(self.branch_id)
        return ids

    def validate_relations(
        self,
        *,
        partners: Iterable[PartnerOrganisation],
        attendees: Iterable[Member],
        co_branches: Iterable[Branch],
        goals: Iterable[Goal],
    ) -> None:
        """The many-to-many rules that ``clean()`` cannot see before the rows exist.

        Partners, goals and co-organisers come from the activity's committee; attendees are
        members of the organising or co-organising branches (any branch of the committee for a
        committee-level activity).
        """
        co_branches = list(co_branches)
        errors: dict[str, list[str]] = {}
        if any(p.committee_id != self.committee_id for p in partners):
            errors.setdefault("partners", []).append(
                _("Partner organisations must be on the committee's roster.")
            )
        if any(g.committee_id != self.committee_id for g in goals):
            errors.setdefault("goals", []).append(
                _("Goals must come from the committee's framework.")
            )
        if any(b.committee_id != self.committee_id for b in co_branches):
            errors.setdefault("co_branches", []).append(
                _("Co-organising branches must belong to the same committee.")
            )
        if self.branch_id and any(b.pk == self.branch_id for b in co_branches):
            errors.setdefault("co_branches", []).append(
                _("The organising branch cannot also be a co-organiser.")
            )
        allowed_branches = self.organising_branch_ids(co_branches)
        for member in attendees:
            if member.committee_id != self.committee_id or (
                self.branch_id and member.branch_id not in allowed_branches
            ):
                errors.setdefault("attendees", []).append(
                    _("Attendees must be members of the organising or co-organising branches.")
                )
                break
        if errors:
            raise ValidationError(errors)


class ActivityEvent(models.Model):
    """One entry of an activity's timeline: who did what, when, and why."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="events", verbose_name=_("activity")
    )
    action = models.CharField(_("action"), max_length=10, choices=ActivityAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    #: A partner's contact, for the steps they took through their link (portal.partners):
    #: they have no login, so ``actor`` is empty then.
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner contact"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    from_status = models.CharField(
        _("from status"), max_length=10, choices=ActivityStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=10, choices=ActivityStatus.choices, blank=True
    )
    #: The reviewer judged their own work, which their committee allows
    #: (``Committee.allow_self_review``): the timeline says so.
    # A database default too: rows written without the ORM (generate_group's COPY) still insert.
    self_review = models.BooleanField(_("own work reviewed"), default=False, db_default=False)
    #: E-mail about this step (activities.notifications): who has had theirs, and when all had.
    notified_user_ids = models.JSONField(
        _("e-mailed to"), default=list, db_default=[], blank=True, editable=False
    )
    notified_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, editable=False)

    committee_path = "activity__committee"
    branch_path = "activity__branch"
    co_branch_path = "activity__co_branches"
    objects = BranchWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        ordering = ["activity", "at", "pk"]
        indexes = [models.Index(fields=["activity", "at"])]

    def __str__(self) -> str:
        return f"{self.activity} · {self.get_action_display()}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGN_IN_SHEET = "sign_in", _("Sign-in sheet")
    DOCUMENT = "document", _("Document")


#: The files that show an activity took place: submitting needs one of them.
EVIDENCE_KINDS = (AttachmentKind.PHOTO, AttachmentKind.SIGN_IN_SHEET)


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    return f"activities/{instance.activity.committee_id}/{instance.activity_id}/{filename}"


def staged_upload_to(instance: StagedUpload, filename: str) -> str:
    return f"activities/staged/{instance.owner_id}/{filename}"


class AttachmentQuerySet(BranchWorkQuerySet):
    """The files of the activities the user sees: the same rule, one relation further."""

    def for_user(self, user):
        # The files of an archived activity are archived with it.
        return super().for_user(user).filter(activity__archived_at__isnull=True)


class Attachment(models.Model):
    """A photo, sign-in sheet or document of an activity. Served only through access checks."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("activity")
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    #: A small JPEG made on upload for photos (and image sign-in sheets); empty for PDFs.
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=attachment_upload_to, blank=True, max_length=255
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    committee_path = "activity__committee"
    branch_path = "activity__branch"
    co_branch_path = "activity__co_branches"
    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["activity", "kind", "pk"]

    def __str__(self) -> str:
        return self.caption or self.original_name or self.file.name.rsplit("/", 1)[-1]

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail)


class StagedUpload(models.Model):
    """A checked file waiting for its activity: kept when the activity form fails validation,
    so the secretary never has to pick the photos again. Only its owner sees it; saving the
    activity turns it into an ``Attachment`` (same stored file)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(_("file"), upload_to=staged_upload_to, max_length=255)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=staged_upload_to, blank=True, max_length=255
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staged upload")
        verbose_name_plural = _("staged uploads")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.caption or self.original_name


class CreateFormToken(models.Model):
    """The one-time token of an activity form that made an activity.

    The create form carries a fresh token; saving it claims the token for its sender (one row,
    unique per login). The same form sent again — a double tap, a resend after a timeout,
    identical POSTs at once — finds the token taken and lands on the activity it made instead
    of making another (``services.activity_create``). A concurrent second INSERT waits for the
    first transaction and then fails on the unique constraint, so exactly one activity is
    made. Rows go with their activity.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("sent by"),
    )
    token = models.CharField(_("form token"), max_length=64)
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="+", verbose_name=_("activity")
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity form token")
        verbose_name_plural = _("activity form tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="create_form_token_once"),
        ]

    def __str__(self) -> str:
        return self.token


class HonourLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District or county")
    GROUP = "group", _("Group company")
    PARTNER = "partner", _("From a partner organisation")
    OTHER = "other", _("Other")


def honour_upload_to(instance: Honour, filename: str) -> str:
    return f"honours/{instance.committee_id}/{filename}"


class Honour(models.Model):
    """An honour 荣誉 earned by a branch (or the committee): awards, titles, silk banners 锦旗."""

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="honours", verbose_name=_("committee")
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honours",
        verbose_name=_("branch"),
    )
    title = models.CharField(pgettext_lazy("honour", "title"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=HonourLevel.choices)
    awarding_body = models.CharField(_("awarded by"), max_length=150)
    awarded_on = models.DateField(_("awarded on"))
    activities = models.ManyToManyField(
        Activity, blank=True, related_name="honours", verbose_name=_("related activities")
    )
    #: A certificate's scan, a photo of the banner: checked like every upload.
    evidence = CheckedFileField(
        _("evidence"),
        upload_to=honour_upload_to,
        blank=True,
        max_length=255,
        accepts=(PDF, IMAGE),
        help_text=_("A picture (JPEG, PNG, WebP) or a PDF file."),
    )
    description = models.TextField(_("description"), blank=True)

    committee_path = "committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["-awarded_on", "title"]
        indexes = [models.Index(fields=["committee", "awarded_on"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.branch_id and self.committee_id and self.branch.committee_id != self.committee_id:
            raise ValidationError({"branch": _("The branch belongs to another committee.")})

    def validate_relations(self, *, activities: Iterable[Activity]) -> None:
        """The activities that earned the honour are the same committee's, and came before it."""
        activities = list(activities)
        if any(a.committee_id != self.committee_id for a in activities):
            raise ValidationError(
                {"activities": _("Related activities must belong to the same committee.")}
            )
        if self.awarded_on and any(a.local_start_date > self.awarded_on for a in activities):
            raise ValidationError(
                {"activities": _("An honour cannot be earned by an activity held after it.")}
            )
