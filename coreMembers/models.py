import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, FilteredRelation, OuterRef, Q, Subquery
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from coreMembers import rules
from cosa.districts import district_validator, validate_district_list
from cosa.services import history_user


class MappaCategory(models.IntegerChoices):
    CATEGORY_1 = 1, "Category 1 (registered sexual offender)"
    CATEGORY_2 = 2, "Category 2 (violent offender)"
    CATEGORY_3 = 3, "Category 3 (other dangerous offender)"


class MappaLevel(models.IntegerChoices):
    LEVEL_1 = 1, "Level 1 (ordinary agency management)"
    LEVEL_2 = 2, "Level 2 (multi-agency)"
    LEVEL_3 = 3, "Level 3 (multi-agency, senior)"


class CoreMemberQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("coordinator")

    def with_latest_circle(self):
        """Each with his latest circle (the last formed) in the same query, a LEFT JOIN
        to that one row: read it with ``latest_circle_of``."""
        # The circles app sits above this one: its model is reached through the relation.
        circles = self.model._meta.get_field("circles").related_model
        newest = circles.objects.filter(core_member=OuterRef("pk")).order_by("-created_at", "-pk")
        return self.annotate(
            latest_circle=FilteredRelation(
                "circles", condition=Q(circles__pk=Subquery(newest.values("pk")[:1]))
            )
        ).select_related("latest_circle")


def latest_circle_of(core_member):
    """The circle ``with_latest_circle`` read with him, or None when he has none (the
    join found no row, so Django set nothing)."""
    return getattr(core_member, "latest_circle", None)


class CoreMember(models.Model):
    class Status(models.TextChoices):
        REFERRED = "REFERRED", "Referred"
        ACCEPTED = "ACCEPTED", "Accepted, awaiting a circle"
        IN_CIRCLE = "IN_CIRCLE", "In a circle"
        ENDED = "ENDED", "Circle ended"
        NOT_ACCEPTED = "NOT_ACCEPTED", "Not accepted"

    TRANSITIONS = {
        Status.REFERRED: {Status.ACCEPTED, Status.NOT_ACCEPTED},
        Status.ACCEPTED: {Status.IN_CIRCLE, Status.NOT_ACCEPTED},
        Status.IN_CIRCLE: {Status.ENDED},
        Status.ENDED: {Status.REFERRED},
        Status.NOT_ACCEPTED: {Status.REFERRED},
    }

    reference = models.CharField(max_length=20, unique=True, help_text="For example CM-000123.")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.REFERRED)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_core_members",
    )
    # References only, never the records themselves. Coordinator-only fields.
    probation_crn = models.CharField("probation CRN", max_length=20, blank=True)
    pnc_reference = models.CharField("PNC reference", max_length=20, blank=True)
    visor_reference = models.CharField("ViSOR reference", max_length=20, blank=True)
    mappa_category = models.PositiveSmallIntegerField(
        choices=MappaCategory.choices, null=True, blank=True
    )
    mappa_level = models.PositiveSmallIntegerField(
        choices=MappaLevel.choices, null=True, blank=True
    )
    notification_start = models.DateField("notification (register) start", null=True, blank=True)
    notification_end = models.DateField("notification (register) end", null=True, blank=True)
    notification_indefinite = models.BooleanField(default=False)
    licence_end = models.DateField(null=True, blank=True)
    has_shpo = models.BooleanField("has a SHPO", default=False)
    shpo_end = models.DateField("SHPO end", null=True, blank=True)
    shpo_prohibitions = models.TextField("SHPO prohibitions", blank=True)
    offence_summary = models.TextField(blank=True)
    needs_and_adaptations = models.TextField(blank=True)
    # Where the circle meets volunteers from: the postcode district he lives in.
    home_district = models.CharField(
        max_length=4, blank=True, validators=[district_validator], help_text="For example LS6."
    )
    # Licence or SHPO exclusion zones and victims' areas, as postcode districts.
    # Coordinator-only: never shown to volunteers or liaisons. The matching pool keeps
    # out volunteers who live in or declared a conflict with any of them.
    exclusion_districts = models.JSONField(
        default=list, blank=True, validators=[validate_district_list]
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A legal hold (litigation, an inquiry, a serious case review) stops the retention
    # job from erasing this record until a manager releases it.
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.CharField(max_length=300, blank=True)
    legal_hold_since = models.DateTimeField(null=True, blank=True)

    # Moved on by every edit (formpages/versions.py): a save begun at an older one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CoreMemberQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["reference"]
        permissions = [
            ("view_identity", "View identity and records shared with me"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(notification_indefinite=True) | Q(notification_end__isnull=True),
                name="core_member_indefinite_has_no_end",
                violation_error_message="An indefinite notification period has no end date.",
            ),
            models.CheckConstraint(
                condition=Q(notification_end__isnull=True)
                | Q(notification_start__isnull=True)
                | Q(notification_end__gte=models.F("notification_start")),
                name="core_member_notification_end_after_start",
                violation_error_message="The notification end must be after its start.",
            ),
            models.CheckConstraint(
                condition=Q(has_shpo=True) | Q(shpo_end__isnull=True),
                name="core_member_shpo_end_needs_shpo",
                violation_error_message="A SHPO end date needs a SHPO.",
            ),
            models.CheckConstraint(
                condition=Q(legal_hold=False) | ~Q(legal_hold_reason=""),
                name="core_member_legal_hold_has_reason",
                violation_error_message="A legal hold needs a reason.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.display_name}"

    @property
    def display_name(self):
        return f"{self.preferred_name or self.first_name} {self.last_name}"

    def agency_reference(self, cover_role):
        """(label, value) of the reference a liaison's own agency files him under, for
        the role they cover in: probation's CRN, the police's PNC, MAPPA's ViSOR."""
        field, label = LiaisonAssignment.AGENCY_REFERENCE.get(cover_role, (None, ""))
        return (label, getattr(self, field)) if field else ("", "")


class MappaRecord(models.Model):
    """Dated history of MAPPA category and level; the latest is copied onto CoreMember."""

    core_member = models.ForeignKey(
        CoreMember, on_delete=models.CASCADE, related_name="mappa_history"
    )
    category = models.PositiveSmallIntegerField(choices=MappaCategory.choices)
    level = models.PositiveSmallIntegerField(choices=MappaLevel.choices)
    effective_from = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-effective_from", "-recorded_at"]
        verbose_name = "MAPPA record"
        constraints = [
            models.UniqueConstraint(
                fields=["core_member", "effective_from"], name="mappa_one_record_per_day"
            ),
        ]

    def __str__(self):
        return f"MAPPA {self.category}/{self.level} from {self.effective_from}"


def referrer_sees_days():
    """How long after the decision the referrer still sees their referral (DESIGN §4)."""
    return settings.COSA_REFERRER_SEES_DAYS


class ReferralQuerySet(models.QuerySet):
    def seen_by_referrer(self, user, *, now=None):
        """The referrals ``user`` made that they still see: until ``referrer_sees_days()``
        after the decision, or for as long as they are assigned to the Core Member."""
        cutoff = (now or timezone.now()) - datetime.timedelta(days=referrer_sees_days())
        assigned = LiaisonAssignment.objects.open().filter(
            liaison=user, core_member=OuterRef("core_member_id")
        )
        return self.filter(created_by=user).filter(
            Q(decided_at__isnull=True) | Q(decided_at__gt=cutoff) | Exists(assigned)
        )


class Referral(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "RECEIVED", "Received"
        ASSESSING = "ASSESSING", "Assessing"
        ACCEPTED = "ACCEPTED", "Accepted"
        DECLINED = "DECLINED", "Declined"
        WITHDRAWN = "WITHDRAWN", "Withdrawn"

    TRANSITIONS = {
        Status.RECEIVED: {Status.ASSESSING, Status.WITHDRAWN, Status.DECLINED},
        Status.ASSESSING: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN},
        Status.ACCEPTED: {Status.WITHDRAWN},
        Status.DECLINED: set(),
        Status.WITHDRAWN: set(),
    }
    OPEN_STATES = (Status.RECEIVED, Status.ASSESSING)
    # Declined or withdrawn: nothing more is decided on it, nor is it handed on.
    CLOSED_STATES = (Status.DECLINED, Status.WITHDRAWN)

    core_member = models.ForeignKey(CoreMember, on_delete=models.PROTECT, related_name="referrals")
    source_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="referrals"
    )
    referrer_name = models.CharField(max_length=200)
    referrer_email = models.EmailField(blank=True)
    received_on = models.DateField(default=datetime.date.today)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_referrals",
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ReferralQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["core_member"],
                condition=Q(status__in=["RECEIVED", "ASSESSING"]),
                name="referral_one_open_per_core_member",
                violation_error_message="This Core Member already has an open referral.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["RECEIVED", "ASSESSING", "ACCEPTED"])
                | ~Q(decision_reason=""),
                name="referral_decline_or_withdraw_has_reason",
                violation_error_message="Declining or withdrawing a referral needs a reason.",
            ),
        ]

    def __str__(self):
        return f"Referral of {self.core_member.reference} ({self.received_on})"


class ReferralDocument(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="referrals/%Y/%m/")
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(get_user=history_user)

    def __str__(self):
        return self.title


class RiskAssessment(models.Model):
    class Tool(models.TextChoices):
        RM2000_S = "RM2000_S", "RM2000 Sexual"
        RM2000_V = "RM2000_V", "RM2000 Violent"
        RM2000_C = "RM2000_C", "RM2000 Combined"
        OSP_C = "OSP_C", "OSP/C (contact)"
        OSP_I = "OSP_I", "OSP/I (indecent images)"
        OASYS_ROSH = "OASYS_ROSH", "OASys RoSH"
        ARMS = "ARMS", "ARMS"
        STATIC_99R = "STATIC_99R", "Static-99R"

    class Band(models.TextChoices):
        LOW = "LOW", "Low"
        MEDIUM = "MEDIUM", "Medium"
        HIGH = "HIGH", "High"
        VERY_HIGH = "VERY_HIGH", "Very high"

    core_member = models.ForeignKey(
        CoreMember, on_delete=models.CASCADE, related_name="risk_assessments"
    )
    tool = models.CharField(max_length=12, choices=Tool.choices)
    score = models.CharField(max_length=20, blank=True)
    band = models.CharField(max_length=10, choices=Band.choices)
    assessed_on = models.DateField()
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-assessed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["core_member", "tool", "assessed_on"], name="risk_assessment_unique_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.get_tool_display()} {self.get_band_display()} ({self.assessed_on})"

    def clean(self):
        # The score must be in the tool's own terms, whoever saves it (form, shell, admin).
        self.score, problems = rules.risk_assessment_problems(self.tool, self.band, self.score)
        if problems:
            raise ValidationError(problems)


class SharingAgreementQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(signed_on__lte=on, expires_on__gt=on, withdrawn_on__isnull=True)

    def listed_with_agency_names(self) -> list:
        """The agreements in order, each with ``agency_names`` (its agencies in scope, by
        name) from one query: a row per agreement and agency (none: one row), grouped
        here, where a prefetch would cost a second query."""
        agreements = {}
        rows = self.annotate(_agency_name=models.F("agencies__name")).order_by(
            *self.query.order_by or self.model._meta.ordering, "agencies__name"
        )
        for row in rows:
            agreement = agreements.setdefault(row.pk, row)
            if not hasattr(agreement, "agency_names"):
                agreement.agency_names = []
            if row._agency_name is not None:
                agreement.agency_names.append(row._agency_name)
        return list(agreements.values())


class SharingAgreement(models.Model):
    """The Core Member's signed consent to share with the outer circle."""

    core_member = models.ForeignKey(
        CoreMember, on_delete=models.CASCADE, related_name="sharing_agreements"
    )
    version = models.PositiveIntegerField()
    signed_on = models.DateField()
    expires_on = models.DateField()
    agencies = models.ManyToManyField(
        "accounts.Agency", related_name="+", verbose_name="agencies in scope"
    )
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SharingAgreementQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[agencies], get_user=history_user)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["core_member", "version"], name="sharing_agreement_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("signed_on")),
                name="sharing_agreement_expires_after_signing",
                violation_error_message="The agreement must expire after it is signed.",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("signed_on")),
                name="sharing_agreement_withdrawn_after_signing",
                violation_error_message="An agreement cannot be withdrawn before it was signed.",
            ),
        ]

    def __str__(self):
        return f"Sharing agreement v{self.version} ({self.signed_on} to {self.expires_on})"

    def is_current(self, on=None):
        on = on or timezone.localdate()
        return self.withdrawn_on is None and self.signed_on <= on < self.expires_on


class LiaisonAssignmentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(ended_on__isnull=True)


class LiaisonAssignment(models.Model):
    class Role(models.TextChoices):
        OFFENDER_MANAGER = "OFFENDER_MANAGER", "Offender manager (probation)"
        POLICE_PPU = "POLICE_PPU", "Police public-protection unit"
        MAPPA = "MAPPA", "MAPPA coordinator"

    # The Core Member's reference in the covering agency's own system, by role.
    AGENCY_REFERENCE = {
        Role.OFFENDER_MANAGER: ("probation_crn", "CRN"),
        Role.POLICE_PPU: ("pnc_reference", "PNC"),
        Role.MAPPA: ("visor_reference", "ViSOR"),
    }

    core_member = models.ForeignKey(
        CoreMember, on_delete=models.CASCADE, related_name="liaison_assignments"
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="liaison_assignments"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    started_on = models.DateField(default=datetime.date.today)
    ended_on = models.DateField(null=True, blank=True)

    objects = LiaisonAssignmentQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["core_member", "liaison"],
                condition=Q(ended_on__isnull=True),
                name="liaison_assignment_one_open_per_pair",
                violation_error_message="This liaison is already assigned to this Core Member.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="liaison_assignment_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.liaison} for {self.core_member.reference}"

    def clean(self):
        # Checked when the cover is given or its role or liaison changes, not when an
        # existing assignment is ended: a liaison who has since moved agency must still
        # be able to lose the Core Member.
        if not self.liaison_id or not self.role:
            return
        if not self._state.adding:
            saved = type(self).objects.filter(pk=self.pk).values_list("role", "liaison_id").first()
            if saved == (self.role, self.liaison_id):
                return
        problem = rules.liaison_role_problem(self.role, self.liaison.agency)
        if problem:
            raise ValidationError({"role": problem})


# Direct-foreign-key guardian permission tables (DESIGN §4): fast joins at scale.
class CoreMemberUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(CoreMember, on_delete=models.CASCADE)


class CoreMemberGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(CoreMember, on_delete=models.CASCADE)
