"""Partner units take part without a login: personal links (and their QR codes) to a contact
of a partner organisation, and what the contact answered through them.

A link's token is shown once, when it is issued; only its SHA-256 is kept (``token_hash``), so
a copy of the database opens no partner page. A link is tied to one contact and either one
activity (``LinkPurpose.ANSWER``: confirm it or ask for a correction, and evaluate it, once) or
the partner's own page (``LinkPurpose.PAGE``: every joint activity of the partner with the
committee this year, the pending ones answered there). Links expire and can be withdrawn.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.models import MAX_PEOPLE_COUNT, Activity
from branches.models import Committee
from branches.scoping import ScopedQuerySet
from partnerships.models import Contact, PartnerOrganisation


def token_hash(token: str) -> str:
    """What is stored of a link's token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


class LinkPurpose(models.TextChoices):
    ANSWER = "answer", _("confirm one activity")
    PAGE = "page", _("the partner's own page")


class PartnerLinkQuerySet(ScopedQuerySet):
    def usable(self, now: dt.datetime | None = None) -> PartnerLinkQuerySet:
        """Links that still open their page: not withdrawn, not expired and, for a link about
        one activity, not answered yet."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now).exclude(
            purpose=LinkPurpose.ANSWER, answered_at__isnull=False
        )


class PartnerLink(models.Model):
    purpose = models.CharField(_("purpose"), max_length=10, choices=LinkPurpose.choices)
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True, editable=False)
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="+", verbose_name=_("committee")
    )
    partner = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="links",
        verbose_name=_("partner organisation"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="links", verbose_name=_("contact")
    )
    #: The activity asked about (``LinkPurpose.ANSWER``); empty for a partner's own page.
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="partner_links",
        verbose_name=_("activity"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    #: When the contact answered through it (a link about one activity answers once).
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    #: When the link went out by e-mail (the contact has an address), and when the one
    #: reminder e-mail the branch may ask for went out.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    committee_path = "committee"
    objects = PartnerLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner link")
        verbose_name_plural = _("partner links")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose=LinkPurpose.PAGE, activity__isnull=True)
                | Q(purpose=LinkPurpose.ANSWER, activity__isnull=False),
                name="partner_link_activity_matches_purpose",
            )
        ]
        indexes = [models.Index(fields=["activity", "contact"])]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_purpose_display()}"

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None or self.expires_at <= now:
            return False
        return not (self.purpose == LinkPurpose.ANSWER and self.answered_at is not None)

    def state(self, now: dt.datetime | None = None) -> LinkState:
        """Where the link stands, as the branch's pages show it: answered, withdrawn, expired
        or waiting (in that order: an answered link that was withdrawn later was answered)."""
        now = now or timezone.now()
        if self.answered_at is not None:
            return LinkState.ANSWERED
        if self.revoked_at is not None:
            return LinkState.WITHDRAWN
        if self.expires_at <= now:
            return LinkState.EXPIRED
        return LinkState.OPEN


class LinkState(models.TextChoices):
    OPEN = "open", _("valid")
    ANSWERED = "answered", _("answered")
    WITHDRAWN = "withdrawn", _("withdrawn")
    EXPIRED = "expired", _("expired")


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", _("The record is right")
    CORRECTION = "correction", _("Please correct it")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIR = "fair", _("Fairly satisfied")
    DISSATISFIED = "unsatisfied", _("Not satisfied")


class PartnerAnswerQuerySet(ScopedQuerySet):
    def with_standing_evaluation(self) -> PartnerAnswerQuerySet:
        """Each answer with ``evaluation_stands``: it carries an evaluation (满意 / 基本满意 /
        不满意) and it is the latest rated answer of its contact about its activity. A contact
        who answers again (after a correction, or through a new link) evaluates the joint work
        again; what the dashboards and reports count is their last word, once."""
        later = (
            PartnerAnswer.objects.filter(
                activity_id=OuterRef("activity_id"), contact_id=OuterRef("contact_id")
            )
            .exclude(rating="")
            .filter(
                Q(answered_at__gt=OuterRef("answered_at"))
                | Q(answered_at=OuterRef("answered_at"), pk__gt=OuterRef("pk"))
            )
        )
        stands = ~Q(rating="") & ~Exists(later)
        return self.annotate(
            evaluation_stands=ExpressionWrapper(stands, output_field=models.BooleanField())
        )

    def evaluations(self) -> PartnerAnswerQuerySet:
        """The answers whose evaluation stands (``with_standing_evaluation``)."""
        return self.with_standing_evaluation().filter(evaluation_stands=True)

    def confirmations(self) -> PartnerAnswerQuerySet:
        """Confirmations (情况属实), the latest first: the first of an activity's is the one
        that stands while the activity is 已确认, and the one superseded once it is
        确认后已修改."""
        return self.filter(verdict=Verdict.CONFIRMED).order_by("-answered_at", "-pk")


class PartnerAnswer(models.Model):
    """What a partner's contact said about one activity's record: it is right (with their own
    unit's head count, if they give it) or needs correcting, and how useful the joint work was.
    Kept as answered; the activity's ``partner_check`` says whether it still stands."""

    #: The link it came through: one about this activity, or the partner's own page.
    link = models.ForeignKey(
        PartnerLink, on_delete=models.PROTECT, related_name="answers", verbose_name=_("link")
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="+", verbose_name=_("committee")
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        related_name="partner_answers",
        verbose_name=_("activity"),
    )
    partner = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("partner organisation"),
    )
    # PROTECT: an answer is the record of who confirmed what; a contact who answered stays on
    # the roster (the admin refuses to delete them, with a message).
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="answers", verbose_name=_("contact")
    )
    verdict = models.CharField(_("answer"), max_length=10, choices=Verdict.choices)
    partner_head_count = models.PositiveIntegerField(
        _("people of the partner unit who took part"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PEOPLE_COUNT)],
    )
    comment = models.TextField(_("comment"), blank=True)
    rating = models.CharField(_("evaluation"), max_length=11, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("about the joint work"), max_length=300, blank=True)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    #: The activity's version the contact saw (``Activity.version``).
    activity_version = models.PositiveIntegerField(_("record version answered"))
    #: A correction the branch acted on: the facts a partner sees changed after it
    #: (``activities.services``), or the same contact confirmed since. An unresolved one keeps
    #: the activity 需更正 whatever another partner says.
    resolved_at = models.DateTimeField(_("correction made at"), null=True, blank=True)

    committee_path = "committee"
    objects = PartnerAnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner answer")
        verbose_name_plural = _("partner answers")
        ordering = ["-answered_at", "-pk"]
        indexes = [
            models.Index(fields=["activity", "-answered_at"]),
            models.Index(fields=["partner", "-answered_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(partner_head_count__lte=MAX_PEOPLE_COUNT),
                name="partner_answer_head_count_plausible",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_verdict_display()}"

    def said(self) -> str:
        """The answer in one line, as the activity's timeline records it (in the active
        language): the verdict, the unit's head count, the evaluation, then the contact's own
        words."""
        words = [str(Verdict(self.verdict).label)]
        if self.partner_head_count is not None:
            words.append(
                gettext("%(count)s of the unit took part") % {"count": self.partner_head_count}
            )
        if self.rating:
            words.append(gettext("evaluation: %(rating)s") % {"rating": Rating(self.rating).label})
        words.extend(text for text in (self.comment, self.rating_comment) if text)
        return "；".join(words)
