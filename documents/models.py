"""Documents on the record: a Core Member's, a circle's or a volunteer's papers, and the
decision on a volunteer's DBS certificate with its (short-lived) scan.

Files are stored under MEDIA_ROOT with a random name (the title and the original name
stay here) and are served only through documents/views.py, which checks access first.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The DBS code of practice: keep a copy of a certificate no longer than needed.
DBS_SCAN_KEEP = relativedelta(months=6)
# The same file posted again for the same record within this time is the same upload
# (a double click, a resend without the form's token): it is not stored twice.
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)


def document_path(instance, filename):
    # The name is already opaque (cosa.uploads.opaque_name); the folder says whose.
    return f"documents/{instance.owner_kind}/{timezone.now():%Y/%m}/{filename}"


def dbs_scan_path(instance, filename):
    return f"documents/dbs/{timezone.now():%Y/%m}/{filename}"


class DocumentQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("uploaded_by").order_by("-document_date", "-uploaded_at", "-pk")

    def about_core_member(self, core_member):
        """His own documents and his circles' (what goes with him on erasure and export)."""
        return self.filter(Q(core_member=core_member) | Q(circle__core_member=core_member))


class Document(models.Model):
    class Category(models.TextChoices):
        SHARING_AGREEMENT = "SHARING_AGREEMENT", "Signed sharing agreement"
        COVENANT = "COVENANT", "Covenant"
        LICENCE_CONDITIONS = "LICENCE_CONDITIONS", "Licence conditions"
        RISK_SUMMARY = "RISK_SUMMARY", "OASys or risk summary"
        CORRESPONDENCE = "CORRESPONDENCE", "Correspondence"
        REVIEW = "REVIEW", "Review record"
        REFERENCE = "REFERENCE", "Reference"
        OTHER = "OTHER", "Other"

    # What may be filed on each kind of record. A circle's papers are read by its
    # volunteers too, so risk summaries and licence conditions belong on the Core Member.
    CATEGORIES_FOR = {
        "core_member": (
            Category.SHARING_AGREEMENT,
            Category.COVENANT,
            Category.LICENCE_CONDITIONS,
            Category.RISK_SUMMARY,
            Category.CORRESPONDENCE,
            Category.OTHER,
        ),
        "circle": (Category.COVENANT, Category.REVIEW, Category.CORRESPONDENCE, Category.OTHER),
        "volunteer": (Category.REFERENCE, Category.OTHER),
    }

    core_member = models.ForeignKey(
        "core_members.CoreMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    document_date = models.DateField("date of the document")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-document_date", "-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(core_member__isnull=False, circle__isnull=True, volunteer__isnull=True)
                    | Q(core_member__isnull=True, circle__isnull=False, volunteer__isnull=True)
                    | Q(core_member__isnull=True, circle__isnull=True, volunteer__isnull=False)
                ),
                name="document_on_exactly_one_record",
                violation_error_message="A document belongs to exactly one record.",
            ),
        ]
        indexes = [
            models.Index(fields=["core_member", "-document_date"], name="document_core_member"),
            models.Index(fields=["circle", "-document_date"], name="document_circle"),
            models.Index(fields=["volunteer", "-document_date"], name="document_volunteer"),
        ]

    def __str__(self):
        return self.title

    @property
    def owner_kind(self):
        if self.core_member_id:
            return "core_member"
        if self.circle_id:
            return "circle"
        return "volunteer"

    def clean(self):
        super().clean()
        if self.category and self.category not in self.CATEGORIES_FOR[self.owner_kind]:
            raise ValidationError({"category": "This kind of document is not filed here."})
        if self.document_date and self.document_date > timezone.localdate():
            raise ValidationError({"document_date": "The date cannot be in the future."})


class DBSDecisionQuerySet(models.QuerySet):
    def scans_due_for_deletion(self, now=None):
        cutoff = (now or timezone.now()) - DBS_SCAN_KEEP
        return self.exclude(scan="").filter(
            scan_uploaded_at__lte=cutoff, scan_deleted_at__isnull=True
        )


class DBSDecision(models.Model):
    """What was decided on a volunteer's DBS certificate, and a scan kept only briefly.

    The certificate number and date are the DBS check's own (volunteers.DBSCheck). The
    scan, when one is uploaded, is deleted six months later by a daily task, which keeps
    this row and says when the copy went.
    """

    class Decision(models.TextChoices):
        CLEAR = "CLEAR", "Clear: nothing disclosed"
        CONSIDERED_ACCEPTED = (
            "CONSIDERED_ACCEPTED",
            "Information disclosed, risk-assessed: accepted",
        )
        CONSIDERED_DECLINED = (
            "CONSIDERED_DECLINED",
            "Information disclosed, risk-assessed: not accepted",
        )

    dbs_check = models.OneToOneField(
        "volunteers.DBSCheck", on_delete=models.PROTECT, related_name="decision"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    scan = models.FileField(upload_to=dbs_scan_path, max_length=200, blank=True)
    scan_original_name = models.CharField(max_length=200, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    scan_uploaded_at = models.DateTimeField(null=True, blank=True)
    scan_deleted_at = models.DateTimeField(null=True, blank=True)

    objects = DBSDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "DBS decision"
        constraints = [
            models.CheckConstraint(
                condition=Q(scan="") | Q(scan_uploaded_at__isnull=False),
                name="dbs_decision_scan_has_upload_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} ({self.dbs_check})"

    @property
    def scan_deletes_on(self):
        if not self.scan or self.scan_uploaded_at is None:
            return None
        return timezone.localdate(self.scan_uploaded_at + DBS_SCAN_KEEP)
