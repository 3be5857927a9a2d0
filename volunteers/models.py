import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.lookups import IsNull
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cosa.districts import district_validator
from cosa.services import history_user

DBS_RECHECK_YEARS = 3

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Parts of the day a volunteer can offer; a meeting starting before noon is in the
# morning, before 17:00 the afternoon, otherwise the evening.
DAY_PARTS = ("morning", "afternoon", "evening")
AVAILABILITY_ALL = (1 << (len(WEEKDAYS) * len(DAY_PARTS))) - 1


def availability_bit(weekday: int, part: int) -> int:
    """The bit of ``availability`` for ``weekday`` (0 = Monday) and day ``part``."""
    return 1 << (weekday * len(DAY_PARTS) + part)


def day_part_of(time: datetime.time) -> int:
    if time.hour < 12:
        return 0
    if time.hour < 17:
        return 1
    return 2


class VolunteerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Volunteer.Status.ACTIVE)

    def for_list(self):
        return self.select_related("user")

    def with_readiness(self, on=None):
        """Annotate what matching needs: current DBS and initial training.

        ``dbs_current`` and ``trained`` are booleans, ``dbs_recheck_due_on`` the
        latest check's recheck date (the circles held now are the row's own
        ``circle_count``). One query whatever the number of volunteers.
        """
        on = on or timezone.localdate()
        return self.annotate(
            # Scalar "(SELECT ... LIMIT 1) IS NOT NULL", not EXISTS, in the SELECT list:
            # PostgreSQL turns an EXISTS there into a hashed subplan over every DBS check
            # and training record (two 50,000-row scans at national scale) before LIMIT
            # keeps one page; a scalar subquery runs for the page's rows only. Filters
            # use the EXISTS forms below (``dbs_current_is``, ``trained_is``): semi-joins.
            dbs_current=IsNull(models.Subquery(_current_checks(on).values("pk")[:1]), False),
            trained=IsNull(models.Subquery(_initial_training().values("pk")[:1]), False),
            dbs_recheck_due_on=models.Subquery(
                DBSCheck.objects.filter(volunteer=models.OuterRef("pk"))
                .order_by("-issued_on")
                .values("recheck_due_on")[:1]
            ),
        )

    def dbs_current_is(self, current, on=None):
        """Volunteers with (``current``) or without a current DBS check on ``on``."""
        condition = _dbs_current(on or timezone.localdate())
        return self.filter(condition) if current else self.exclude(condition)

    def trained_is(self, trained):
        """Volunteers with (``trained``) or without the initial training."""
        return self.filter(_trained()) if trained else self.exclude(_trained())

    def vetted(self, on=None):
        """Volunteers who may sit in a circle on ``on``: a current DBS check and the
        initial training (matching and the launch checklist both ask this)."""
        on = on or timezone.localdate()
        return self.filter(_dbs_current(on), _trained())

    def ready_to_match(self, on=None):
        return self.active().vetted(on).with_readiness(on)

    def free_at(self, weekday: int, time: datetime.time):
        """Volunteers who said they are free on ``weekday`` at the part of the day of ``time``."""
        bit = availability_bit(weekday, day_part_of(time))
        return self.alias(_free=models.F("availability").bitand(bit)).filter(_free__gt=0)

    def near(self, district):
        """Volunteers living in ``district`` or saying they travel to it."""
        if not district:
            return self
        # The ids of both kinds in one small union, looked up by index: planned as an OR
        # of a column and an EXISTS, PostgreSQL guessed half of all volunteers and
        # merge-joined every DBS check and training record to find a few hundred.
        lives = Volunteer.objects.filter(postcode_area=district).order_by().values("pk")
        travels = (
            VolunteerDistrict.objects.filter(kind=VolunteerDistrict.Kind.TRAVEL, district=district)
            .order_by()
            .values("volunteer_id")
        )
        return self.filter(pk__in=lives.union(travels))

    def with_match(self, weekday: int, time: datetime.time, district: str):
        """Annotate ``free`` (free on ``weekday`` at the part of the day of ``time``) and
        ``near`` (lives in or travels to ``district``), the pool's ranking."""
        bit = availability_bit(weekday, day_part_of(time))
        free = models.ExpressionWrapper(Q(_free_bit__gt=0), output_field=models.BooleanField())
        if district:
            # A scalar subquery, not EXISTS, in the SELECT list (see with_readiness).
            travels = IsNull(models.Subquery(_travels_to(district).values("pk")[:1]), False)
            near = models.Case(
                models.When(postcode_area=district, then=True),
                default=travels,
                output_field=models.BooleanField(),
            )
        else:
            near = models.Value(False)
        return self.alias(_free_bit=models.F("availability").bitand(bit)).annotate(
            free=free, near=near
        )

    def with_exclusion_area(self, districts):
        """Annotate ``exclusion_area``: the home district or declared conflict that is one
        of ``districts`` (for the coordinator's eyes only)."""
        conflict = VolunteerDistrict.objects.filter(
            volunteer=models.OuterRef("pk"),
            kind=VolunteerDistrict.Kind.CONFLICT,
            district__in=districts,
        ).order_by("district")
        return self.annotate(
            exclusion_area=models.Case(
                models.When(postcode_area__in=districts, then=models.F("postcode_area")),
                default=models.Subquery(conflict.values("district")[:1]),
            ),
            exclusion_lives_there=models.ExpressionWrapper(
                Q(postcode_area__in=districts), output_field=models.BooleanField()
            ),
        )

    def not_excluded_by(self, districts):
        """Volunteers who neither live in nor declared a conflict with any of ``districts``."""
        if not districts:
            return self
        return self.exclude(postcode_area__in=districts).exclude(
            models.Exists(
                VolunteerDistrict.objects.filter(
                    volunteer=models.OuterRef("pk"),
                    kind=VolunteerDistrict.Kind.CONFLICT,
                    district__in=districts,
                )
            )
        )

    def excluded_by(self, districts):
        if not districts:
            return self.none()
        return self.filter(
            Q(postcode_area__in=districts)
            | models.Exists(
                VolunteerDistrict.objects.filter(
                    volunteer=models.OuterRef("pk"),
                    kind=VolunteerDistrict.Kind.CONFLICT,
                    district__in=districts,
                )
            )
        )

    def with_last_supervision(self):
        """Annotate ``last_supervised_on``: the latest session's date (a correlated
        subquery, so a page of volunteers reads its own rows only)."""
        return self.annotate(
            last_supervised_on=models.Subquery(
                SupervisionSession.objects.filter(volunteer=models.OuterRef("pk"))
                .order_by("-held_on")
                .values("held_on")[:1]
            )
        )

    def supervision_overdue(self, cutoff):
        """Volunteers last supervised (or, never supervised, started) before ``cutoff``."""
        return self.with_last_supervision().filter(
            Q(last_supervised_on__lt=cutoff)
            | Q(last_supervised_on__isnull=True, started_on__lt=cutoff)
            | Q(last_supervised_on__isnull=True, started_on__isnull=True)
        )


def _travels_to(district):
    return VolunteerDistrict.objects.filter(
        volunteer=models.OuterRef("pk"), kind=VolunteerDistrict.Kind.TRAVEL, district=district
    )


def _current_checks(on):
    return DBSCheck.objects.filter(
        volunteer=models.OuterRef("pk"), issued_on__lte=on, recheck_due_on__gt=on
    )


def _initial_training():
    return TrainingRecord.objects.filter(
        volunteer=models.OuterRef("pk"), course=TrainingRecord.Course.INITIAL
    )


def _dbs_current(on):
    return models.Exists(_current_checks(on))


def _trained():
    return models.Exists(_initial_training())


class Gender(models.TextChoices):
    WOMAN = "WOMAN", "Woman"
    MAN = "MAN", "Man"
    NON_BINARY = "NON_BINARY", "Non-binary"
    SELF = "SELF", "Self-described"
    UNSAID = "UNSAID", "Prefers not to say"


class Volunteer(models.Model):
    class Status(models.TextChoices):
        APPLIED = "APPLIED", "Applied"
        VETTING = "VETTING", "Vetting"
        TRAINING = "TRAINING", "Training"
        ACTIVE = "ACTIVE", "Active"
        PAUSED = "PAUSED", "Paused"
        LEFT = "LEFT", "Left"

    # Legal moves of the volunteer path; LEFT can be reached from anywhere.
    TRANSITIONS = {
        Status.APPLIED: {Status.VETTING, Status.LEFT},
        Status.VETTING: {Status.TRAINING, Status.LEFT},
        Status.TRAINING: {Status.ACTIVE, Status.LEFT},
        Status.ACTIVE: {Status.PAUSED, Status.LEFT},
        Status.PAUSED: {Status.ACTIVE, Status.LEFT},
        Status.LEFT: set(),
    }

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    applied_on = models.DateField(default=datetime.date.today)
    started_on = models.DateField(null=True, blank=True, help_text="Date first active.")
    left_on = models.DateField(null=True, blank=True)
    exit_reason = models.TextField(blank=True)
    # The volunteer's home postcode district (the outward part only).
    postcode_area = models.CharField(max_length=8, blank=True)
    notes = models.TextField(blank=True)

    # The matching profile. Availability packs weekday x part of the day into one
    # integer (bit ``weekday * 3 + part``, see availability_bit): the pool filters
    # on it with one bitwise AND, no join. 0 means "not recorded".
    availability = models.PositiveIntegerField(default=0)
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    skills = models.CharField(max_length=300, blank=True)
    languages = models.CharField(max_length=200, blank=True, help_text="Besides English.")
    # Declared conflicts: people the volunteer knows (free text, coordinator-only);
    # the areas they must not be placed in are VolunteerDistrict rows of kind CONFLICT.
    conflict_people = models.TextField("people they know", blank=True)
    # The circles held now, kept by the circles app's membership services (add and
    # end recount it): the matching pool sorts every volunteer by it, and a count per
    # row cost a quarter of a second over 50,000 volunteers.
    circle_count = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    # Set when retention erased the personal data of a volunteer long gone
    # (privacy/volunteers.py volunteer_erase): what stays is anonymous.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = VolunteerQuerySet.as_manager()
    # The count is derived, not something anyone changed: kept out of the audit's diffs.
    history = HistoricalRecords(get_user=history_user, excluded_fields=["circle_count"])

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="LEFT") | Q(left_on__isnull=False),
                name="volunteer_left_has_date",
                violation_error_message="A volunteer who has left needs a leaving date.",
            ),
            models.CheckConstraint(
                condition=Q(availability__lte=AVAILABILITY_ALL),
                name="volunteer_availability_in_range",
                violation_error_message="Availability covers seven days of three parts only.",
            ),
        ]
        indexes = [
            # The pool excludes by home district (a Core Member's exclusion zones).
            models.Index(fields=["postcode_area"], name="volunteer_postcode_area"),
        ]

    def __str__(self):
        return str(self.user)

    def is_free(self, weekday: int, part: int) -> bool:
        return bool(self.availability & availability_bit(weekday, part))

    @property
    def availability_grid(self):
        """[(weekday name, [free in the morning, afternoon, evening])] for display."""
        return [
            (name, [self.is_free(day, part) for part in range(len(DAY_PARTS))])
            for day, name in enumerate(WEEKDAYS)
        ]

    @property
    def availability_summary(self) -> str:
        """ "Monday evening; Saturday morning, afternoon" (empty when not recorded)."""
        days = []
        for name, free in self.availability_grid:
            parts = [part for part, is_free in zip(DAY_PARTS, free, strict=True) if is_free]
            if parts:
                days.append(f"{name} {', '.join(parts)}")
        return "; ".join(days)

    def districts_of(self, kind) -> list[str]:
        return [d.district for d in self.districts.all() if d.kind == kind]


class VolunteerDistrict(models.Model):
    """A postcode district a volunteer travels to, or declared they must not be placed in.

    Rows, not a list on the volunteer: the pool finds the volunteers covering or
    conflicting with a district through the (kind, district) index, on SQLite and
    PostgreSQL alike.
    """

    class Kind(models.TextChoices):
        TRAVEL = "TRAVEL", "Can travel to"
        CONFLICT = "CONFLICT", "Must not be placed in"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="districts")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    district = models.CharField(max_length=4, validators=[district_validator])

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["kind", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "kind", "district"], name="volunteer_district_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "district", "volunteer"], name="volunteer_district_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.district}"


class DBSCheckQuerySet(models.QuerySet):
    def latest_per_volunteer(self):
        """Each volunteer's latest check only (a renewal replaces the one before)."""
        newer = DBSCheck.objects.filter(
            volunteer=models.OuterRef("volunteer"), issued_on__gt=models.OuterRef("issued_on")
        )
        return self.filter(~models.Exists(newer))


class DBSCheck(models.Model):
    class Level(models.TextChoices):
        ENHANCED = "ENHANCED", "Enhanced"
        ENHANCED_BARRED = "ENHANCED_BARRED", "Enhanced with barred lists"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="dbs_checks")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.ENHANCED)
    certificate_number = models.CharField(max_length=12)
    issued_on = models.DateField()
    update_service = models.BooleanField("on the Update Service", default=False)
    recheck_due_on = models.DateField(editable=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = DBSCheckQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-issued_on"]
        verbose_name = "DBS check"
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_number"], name="dbs_unique_certificate_number"
            ),
            models.CheckConstraint(
                condition=Q(recheck_due_on__gt=models.F("issued_on")),
                name="dbs_recheck_after_issue",
            ),
        ]

    def __str__(self):
        return f"DBS {self.certificate_number} ({self.issued_on})"

    def save(self, *args, **kwargs):
        self.recheck_due_on = self.issued_on + relativedelta(years=DBS_RECHECK_YEARS)
        super().save(*args, **kwargs)

    def is_current(self, on=None):
        on = on or timezone.localdate()
        return self.issued_on <= on < self.recheck_due_on


class Reference(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="references")
    referee_name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100)
    requested_on = models.DateField()
    received_on = models.DateField(null=True, blank=True)
    satisfactory = models.BooleanField(null=True, blank=True)
    notes = models.TextField(blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["requested_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_on__isnull=True)
                | Q(received_on__gte=models.F("requested_on")),
                name="reference_received_after_requested",
            ),
        ]

    def __str__(self):
        return f"Reference from {self.referee_name}"


class TrainingRecord(models.Model):
    class Course(models.TextChoices):
        INITIAL = "INITIAL", "Initial CoSA training"
        SAFEGUARDING = "SAFEGUARDING", "Safeguarding"
        REFRESHER = "REFRESHER", "Refresher"
        OTHER = "OTHER", "Other"

    # Mandatory training lapses: renewed this many years after completion.
    RENEWAL_YEARS = {Course.SAFEGUARDING: 3, Course.REFRESHER: 1}

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="training")
    # The course is the topic the learning hours are counted by.
    course = models.CharField(max_length=20, choices=Course.choices)
    completed_on = models.DateField()
    hours = models.DecimalField(
        "learning hours", max_digits=5, decimal_places=2, null=True, blank=True
    )
    renews_on = models.DateField(
        "renewal due", null=True, blank=True, help_text="Set for mandatory training."
    )
    notes = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "course", "completed_on"], name="training_unique_per_day"
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | (Q(hours__gt=0) & Q(hours__lte=500)),
                name="training_hours_positive",
                violation_error_message="Learning hours must be more than 0.",
            ),
            models.CheckConstraint(
                condition=Q(renews_on__isnull=True) | Q(renews_on__gt=models.F("completed_on")),
                name="training_renews_after_completion",
                violation_error_message="The renewal date must be after the completion date.",
            ),
        ]

    def __str__(self):
        return f"{self.get_course_display()} ({self.completed_on})"

    def save(self, *args, **kwargs):
        years = self.RENEWAL_YEARS.get(self.course)
        if self.renews_on is None and years and self.completed_on:
            self.renews_on = self.completed_on + relativedelta(years=years)
        super().save(*args, **kwargs)


class SupervisionSession(models.Model):
    """Coordinator-only notes from supervising a volunteer."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="supervision_sessions"
    )
    # Who held the session: a fact of the record, never changed.
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Who supervises the volunteer now and so reads these notes: the coordinator who held
    # the session until a caseload reassignment hands the volunteer to a successor.
    # Null only until the first save (which fills it from ``coordinator``).
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    held_on = models.DateField()
    notes = models.TextField()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self):
        return f"Supervision {self.held_on}"

    def save(self, *args, **kwargs):
        if self.supervisor_id is None:
            self.supervisor_id = self.coordinator_id
        super().save(*args, **kwargs)


class VolunteerHours(models.Model):
    class Kind(models.TextChoices):
        MEETING = "MEETING", "Meetings"
        TRAVEL = "TRAVEL", "Travel"
        PREPARATION = "PREPARATION", "Preparation"
        OTHER = "OTHER", "Other"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="hours")
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    worked_on = models.DateField()
    # Set when the hours were credited from a meeting's reviewed minutes: one row per
    # volunteer and meeting. SET_NULL, not PROTECT: erasing a Core Member's meetings
    # leaves the volunteer their hours (the volunteer's record, not his).
    meeting = models.ForeignKey(
        "circles.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-worked_on"]
        verbose_name_plural = "volunteer hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="volunteer_hours_between_0_and_24",
                violation_error_message="Hours must be more than 0 and at most 24.",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "meeting"],
                condition=Q(meeting__isnull=False),
                name="volunteer_hours_once_per_meeting",
                violation_error_message="These hours were already credited for this meeting.",
            ),
        ]

    def __str__(self):
        return f"{self.hours} h {self.get_kind_display()} on {self.worked_on}"
