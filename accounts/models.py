import unicodedata

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cosa.services import history_user


class Agency(models.Model):
    class Kind(models.TextChoices):
        PROBATION = "PROBATION", "Probation"
        POLICE_PPU = "POLICE_PPU", "Police public-protection unit"
        MAPPA = "MAPPA", "MAPPA"
        PRISON = "PRISON", "Prison"
        YOUTH_JUSTICE = "YOUTH_JUSTICE", "Youth justice"
        OTHER = "OTHER", "Other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(fields=["name", "region"], name="agency_unique_name_region"),
        ]

    def __str__(self):
        return f"{self.name} ({self.region})" if self.region else self.name


def email_key(value) -> str:
    """The one form of an e-mail address that accounts are stored, found and counted by.

    Unicode-normalised (NFKC: a long s is an s), trimmed and lower-cased in Python.
    Lookups then match it exactly, never with the database's case folding, which on
    PostgreSQL also folds a dotless i into an i: one typed address is one account
    and one lockout count.
    """
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()


class UserQuerySet(models.QuerySet):
    def with_unread_notifications(self):
        """Each user with ``unread_notifications_loaded``: their unread notifications'
        count, as of this query (one correlated count on the partial unread index)."""
        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(unread_notifications_loaded=Coalesce(Subquery(unread), Value(0)))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=email_key(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.MANAGER)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email=email_key(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. The role decides the start page and what may be granted."""

    class Role(models.TextChoices):
        COORDINATOR = "COORDINATOR", "Coordinator"
        VOLUNTEER = "VOLUNTEER", "Volunteer"
        LIAISON = "LIAISON", "Liaison"
        MANAGER = "MANAGER", "Manager"

    # Role groups that views and access helpers name instead of listing roles.
    STAFF_ROLES = (Role.COORDINATOR, Role.MANAGER)
    CASE_READER_ROLES = (Role.COORDINATOR, Role.MANAGER, Role.LIAISON)

    email = models.EmailField("e-mail address", unique=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="Required for liaisons: the agency they work for.",
    )
    phone = models.CharField(max_length=30, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May log in to the admin site (managers only)."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    history = HistoricalRecords(excluded_fields=["password", "last_login"], get_user=history_user)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            # Lists in name order (the volunteer pool: 50,000 at national scale) read a
            # page from this index instead of sorting everyone.
            models.Index(fields=["last_name", "first_name", "id"], name="user_name_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="LIAISON") | Q(agency__isnull=False),
                name="user_liaison_has_agency",
                violation_error_message="A liaison must belong to an agency.",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name

    @property
    def is_manager(self):
        return self.role == self.Role.MANAGER

    @property
    def is_case_staff(self):
        """A coordinator or a manager: the project's own staff, who run the circles.

        Not Django's ``is_staff``, which only opens the admin site."""
        return self.role in User.STAFF_ROLES

    @property
    def is_coordinator(self):
        return self.role == self.Role.COORDINATOR

    @property
    def is_volunteer(self):
        return self.role == self.Role.VOLUNTEER

    @property
    def is_liaison(self):
        return self.role == self.Role.LIAISON


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")

    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AccessLog(models.Model):
    """Append-only record of every read of sensitive data, every export and refusal.

    The application cannot change or delete rows: save() refuses updates, the
    queryset refuses bulk update/delete, the admin is read-only, and on
    PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    class Action(models.TextChoices):
        VIEW = "VIEW", "Viewed"
        LIST = "LIST", "Listed"
        SEARCH = "SEARCH", "Searched"
        EXPORT = "EXPORT", "Exported"
        REFUSED = "REFUSED", "Refused"
        SHARE = "SHARE", "Shared"
        ACKNOWLEDGE = "ACKNOWLEDGE", "Acknowledged"
        LOGIN = "LOGIN", "Logged in"
        LOGIN_FAILED = "LOGIN_FAILED", "Failed login"
        LOGOUT = "LOGOUT", "Logged out"
        # Second-factor events (never with a code or secret in the row).
        TWO_FACTOR_PASSED = "2FA_PASSED", "Passed the second factor"
        TWO_FACTOR_ENROLLED = "2FA_ENROLLED", "Enrolled a second factor"
        TWO_FACTOR_REPLACED = "2FA_REPLACED", "Replaced the authenticator app"
        BACKUP_CODES_NEW = "2FA_CODES_NEW", "Made new backup codes"
        ENROLMENT_CODE_ISSUED = "2FA_CODE_ISSUED", "Issued a two-factor enrolment code"
        ENROLMENT_CODE_USED = "2FA_CODE_USED", "Used a two-factor enrolment code"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="access_logs"
    )
    action = models.CharField(max_length=15, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    # The Core Member the data belongs to, so a record's whole trail can be listed.
    core_member_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="accesslog_object"),
            models.Index(fields=["core_member_id", "at"], name="accesslog_core_member"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class EnrolmentCodeQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class EnrolmentCode(models.Model):
    """A one-time code a manager gives a user who has no second factor, so they can enrol one.

    Only its SHA-256 is stored; the code itself is shown once, to the manager who
    issued it. It works once, for its own user, for 24 hours.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="enrolment_codes_issued"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer code is issued to the same user: one usable code at a time.
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")),
                name="enrolmentcode_expires_after_issue",
            ),
        ]

    def __str__(self):
        return f"Enrolment code #{self.pk} for {self.user_id}"


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def email_pending(self):
        return self.filter(email_wanted=True, emailed_at__isnull=True)

    def linking_under(self, *paths):
        """Alerts whose link is one of ``paths`` or a page below it (the alerts about
        whatever those pages show)."""
        match = Q()
        for path in paths:
            match |= Q(link__startswith=path)
        return self.filter(match) if paths else self.none()


class Notification(models.Model):
    """An alert in the recipient's bell, and (optionally) the e-mail that carries it.

    Subject and body hold nothing the recipient's role may not see; the link
    leads to a page that checks access on its own.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    link = models.CharField(max_length=300, help_text="A path on this site.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(
                fields=["created_at"],
                condition=Q(email_wanted=True, emailed_at__isnull=True),
                name="notification_email_pending",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient_id}"

    @property
    def is_read(self):
        return self.read_at is not None


# Throttling of logins and password-reset mail ------------------------------------------


class ThrottleEventQuerySet(models.QuerySet):
    def login_failures(self):
        return self.filter(kind=ThrottleEvent.Kind.LOGIN_FAILED)

    def password_resets(self):
        return self.filter(kind=ThrottleEvent.Kind.PASSWORD_RESET)

    def since(self, moment):
        return self.filter(created_at__gte=moment)


class ThrottleEvent(models.Model):
    """One failed login, or one password-reset request, counted to throttle the next ones.

    The counts live in the database, not in a per-process cache, so every gunicorn
    worker (and every server) sees the same numbers. Attempts refused by a throttle
    are not written, so an attacker cannot grow the table or stretch a lock by
    hammering; rows older than a day are pruned as new ones arrive.
    """

    class Kind(models.TextChoices):
        LOGIN_FAILED = "LOGIN_FAILED", "Failed login"
        PASSWORD_RESET = "PASSWORD_RESET", "Password-reset request"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    account = models.CharField(
        max_length=254, help_text="The e-mail address given, trimmed and lower-cased."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    managers_alerted = models.BooleanField(
        default=False, help_text="This failure locked the account and alerted the managers."
    )
    processed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the password-reset task took this request."
    )

    objects = ThrottleEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "account", "created_at"], name="throttle_account"),
            models.Index(fields=["kind", "ip_address", "created_at"], name="throttle_address"),
            models.Index(fields=["created_at"], name="throttle_created"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.account} from {self.ip_address}"
