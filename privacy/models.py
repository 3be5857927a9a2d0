"""Data-protection records: proof of each erasure."""

from django.conf import settings
from django.db import models
from django.utils import timezone


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
        # The audit trail's own permission lives with the data-protection records.
        permissions = [
            (
                "view_sensitive_audit_values",
                "See sensitive old and new values in the audit trail",
            ),
        ]

    def __str__(self):
        return f"{self.reference} erased {self.erased_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The erasure log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The erasure log is append-only.")
