import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

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
    created_at = models.DateTimeField(default=timezone.now)
    # A legal hold (litigation, an inquiry, a serious case review) stops the retention
    # job from erasing this record until a manager releases it.
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.CharField(max_length=300, blank=True)
    legal_hold_since = models.DateTimeField(null=True, blank=True)

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


class SharingAgreementQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(signed_on__lte=on, expires_on__gt=on, withdrawn_on__isnull=True)


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


class InformationSharingRecordQuerySet(models.QuerySet):
    def shared(self):
        return self.filter(status__in=[self.model.Status.SHARED, self.model.Status.ACKNOWLEDGED])


class InformationSharingRecord(models.Model):
    """A disclosure passed to the outer circle. Immutable once shared: corrections are addenda."""

    class Category(models.TextChoices):
        COMPLIANCE = "COMPLIANCE", "Compliance (licence, SHPO, registration)"
        RISK_BEHAVIOUR = "RISK_BEHAVIOUR", "Risk behaviour"
        CHANGE_OF_CIRCUMSTANCES = "CHANGE_OF_CIRCUMSTANCES", "Change of circumstances"
        WELLBEING = "WELLBEING", "Wellbeing"
        OTHER = "OTHER", "Other"

    class Urgency(models.TextChoices):
        ROUTINE = "ROUTINE", "Routine"
        PRIORITY = "PRIORITY", "Priority"
        URGENT = "URGENT", "Urgent (imminent risk)"

    class LegalBasis(models.TextChoices):
        CONSENT = "CONSENT", "Consent (sharing agreement)"
        PUBLIC_PROTECTION = "PUBLIC_PROTECTION", "Public protection override"

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        AWAITING_APPROVAL = "AWAITING_APPROVAL", "Awaiting second approval"
        SHARED = "SHARED", "Shared"
        ACKNOWLEDGED = "ACKNOWLEDGED", "Acknowledged by all recipients"

    TRANSITIONS = {
        Status.DRAFT: {Status.SHARED, Status.AWAITING_APPROVAL},
        Status.AWAITING_APPROVAL: {Status.SHARED, Status.DRAFT},
        Status.SHARED: {Status.ACKNOWLEDGED},
        Status.ACKNOWLEDGED: set(),
    }

    core_member = models.ForeignKey(
        CoreMember, on_delete=models.PROTECT, related_name="shared_records"
    )
    circle = models.ForeignKey(
        "circles.Circle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shared_records",
    )
    source_meeting = models.ForeignKey(
        "circles.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_concern = models.ForeignKey(
        "circles.Concern", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    addendum_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="addenda"
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    summary = models.CharField(max_length=300)
    details = models.TextField()
    legal_basis = models.CharField(
        max_length=20, choices=LegalBasis.choices, default=LegalBasis.CONSENT
    )
    override_reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = InformationSharingRecordQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("acknowledge_record", "Acknowledge a shared record")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(legal_basis="PUBLIC_PROTECTION") | ~Q(override_reason=""),
                name="sharing_record_override_has_reason",
                violation_error_message="A public-protection override needs a written reason.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["DRAFT", "AWAITING_APPROVAL"]) | Q(shared_at__isnull=False),
                name="sharing_record_shared_has_time",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")),
                name="sharing_record_approver_is_second_person",
                violation_error_message="The override must be approved by a second person.",
            ),
        ]

    def __str__(self):
        return f"{self.get_urgency_display()}: {self.summary}"

    @property
    def is_shared(self):
        return self.status in (self.Status.SHARED, self.Status.ACKNOWLEDGED)

    def acknowledge_due_from(self, shared_at):
        """When recipients must acknowledge, by urgency (settings COSA_ACK_DUE_*).

        PRIORITY counts working days (Monday to Friday) in local time and keeps the
        wall-clock time, so a record shared on Friday at 15:00 is due on Tuesday at 15:00.
        """
        if self.urgency == self.Urgency.URGENT:
            return shared_at + datetime.timedelta(hours=settings.COSA_ACK_DUE_URGENT_HOURS)
        if self.urgency == self.Urgency.PRIORITY:
            local = timezone.localtime(shared_at)
            day, counted = local.date(), 0
            while counted < settings.COSA_ACK_DUE_PRIORITY_WORKING_DAYS:
                day += datetime.timedelta(days=1)
                counted += day.weekday() < 5
            return datetime.datetime.combine(day, local.time(), tzinfo=local.tzinfo)
        return shared_at + datetime.timedelta(days=settings.COSA_ACK_DUE_ROUTINE_DAYS)


class RecordRecipientQuerySet(models.QuerySet):
    def waiting(self):
        """Sent, not yet acknowledged, and the liaison can still acknowledge it (active and
        still assigned to the Core Member)."""
        still_assigned = LiaisonAssignment.objects.open().filter(
            core_member=models.OuterRef("record__core_member"), liaison=models.OuterRef("liaison")
        )
        return self.filter(
            models.Exists(still_assigned),
            record__status__in=["SHARED", "ACKNOWLEDGED"],
            acknowledged_at__isnull=True,
            liaison__is_active=True,
        )

    def overdue(self, now=None):
        """Not acknowledged by the time due for the record's urgency (set when shared)."""
        return self.waiting().filter(acknowledge_due_at__lt=now or timezone.now())

    def for_list(self):
        return self.select_related("record__core_member", "liaison__agency")

    def with_timings(self):
        """For reports: concern raised to record shared, and shared to acknowledged."""
        duration = models.DurationField()
        return self.annotate(
            concern_to_share=models.ExpressionWrapper(
                models.F("record__shared_at") - models.F("record__source_concern__raised_at"),
                output_field=duration,
            ),
            share_to_acknowledge=models.ExpressionWrapper(
                models.F("acknowledged_at") - models.F("record__shared_at"),
                output_field=duration,
            ),
        )


class RecordRecipient(models.Model):
    record = models.ForeignKey(
        InformationSharingRecord, on_delete=models.CASCADE, related_name="recipients"
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="received_records"
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    # Set when the record is shared, from the urgency (settings COSA_ACK_DUE_*).
    acknowledge_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True)

    objects = RecordRecipientQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "liaison"], name="recipient_unique_per_record"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(response=""),
                name="recipient_acknowledgement_has_response",
                violation_error_message="An acknowledgement needs a response or action taken.",
            ),
        ]

    def __str__(self):
        return f"{self.liaison} for record {self.record_id}"


# Direct-foreign-key guardian permission tables (DESIGN §4): fast joins at scale.
class CoreMemberUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(CoreMember, on_delete=models.CASCADE)


class CoreMemberGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(CoreMember, on_delete=models.CASCADE)


class InformationSharingRecordUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(InformationSharingRecord, on_delete=models.CASCADE)


class InformationSharingRecordGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(InformationSharingRecord, on_delete=models.CASCADE)


class ErasureLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The erasure log is append-only.")

    def delete(self):
        raise PermissionError("The erasure log is append-only.")


class ErasureLog(models.Model):
    """Proof that a Core Member's record was erased, and why: what was erased, never the data.

    Append-only, like the access log. The reference (CM-000123) is kept so that a later
    request about the person can be answered: "erased on this date".
    """

    class Basis(models.TextChoices):
        RETENTION = "RETENTION", "Retention period ended"
        REQUEST = "REQUEST", "Erasure decided on request"

    reference = models.CharField(max_length=20, db_index=True)
    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the retention job erased it.",
    )
    basis = models.CharField(max_length=10, choices=Basis.choices)
    reason = models.CharField(max_length=300)
    closed_on = models.DateField(
        null=True, blank=True, help_text="When the record closed: the retention clock's start."
    )
    # {"circles.meetingnote": 52, ...}: how many rows of each kind went.
    counts = models.JSONField(default=dict)

    objects = ErasureLogQuerySet.as_manager()

    class Meta:
        ordering = ["-erased_at", "-pk"]

    def __str__(self):
        return f"{self.reference} erased {self.erased_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The erasure log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The erasure log is append-only.")


class OutcomeEvent(models.Model):
    """A recall to prison or a reconviction of a Core Member, during or after a circle.

    The outcome report places each event by the offence date when recorded (a
    reconviction counts where the offence was committed, as proven-reoffending measures
    do), else by ``occurred_on`` (the recall, or the conviction).
    """

    class Kind(models.TextChoices):
        RECALL = "RECALL", "Recall to prison"
        RECONVICTION = "RECONVICTION", "Reconviction"

    class OffenceType(models.TextChoices):
        SEXUAL = "SEXUAL", "Sexual offence"
        VIOLENT = "VIOLENT", "Violent offence (not sexual)"
        OTHER = "OTHER", "Other offence"

    core_member = models.ForeignKey(
        CoreMember, on_delete=models.CASCADE, related_name="outcome_events"
    )
    circle = models.ForeignKey(
        "circles.Circle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_events",
        help_text="The circle it happened during or after, if any.",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    offence_type = models.CharField(
        max_length=7, choices=OffenceType.choices, blank=True, help_text="For a reconviction."
    )
    occurred_on = models.DateField(help_text="The day of the recall, or of the conviction.")
    offence_on = models.DateField(
        null=True, blank=True, help_text="For a reconviction: when the offence was committed."
    )
    source_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="RECALL", offence_type="", offence_on__isnull=True)
                    | Q(kind="RECONVICTION", offence_type__in=["SEXUAL", "VIOLENT", "OTHER"])
                ),
                name="outcome_event_offence_type_matches_kind",
                violation_error_message=(
                    "A reconviction needs an offence type; a recall has no offence type or "
                    "offence date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(offence_on__isnull=True) | Q(offence_on__lte=models.F("occurred_on")),
                name="outcome_event_offence_not_after_event",
                violation_error_message="The offence cannot be after the conviction.",
            ),
            models.UniqueConstraint(
                fields=["core_member", "kind", "occurred_on"],
                name="outcome_event_one_per_kind_and_day",
                violation_error_message="This event is already recorded for that day.",
            ),
        ]

    def __str__(self):
        what = self.get_kind_display()
        if self.offence_type:
            what += f" ({self.get_offence_type_display().lower()})"
        return f"{what} on {self.occurred_on}"

    @property
    def counted_on(self):
        """The date the outcome report places the event by."""
        return self.offence_on or self.occurred_on
