"""Retention for volunteers: a volunteer who left is anonymised after a while.

``COSA_VOLUNTEER_RETENTION_MONTHS`` after their leaving date, the daily retention task
(privacy/tasks.py) runs ``volunteer_erase`` on them: their personal data goes (name,
e-mail, phone, home and travel districts, availability, conflicts, skills, languages,
gender, notes; vetting, references, training, supervision, debriefs, check-ins,
documents and receipts, their bell, drafts, tokens and devices, and the change
history holding the old values), and their account is deactivated. Alerts in other
people's bells never name a volunteer (accounts.notifications), except those about
their own record (a locked account names its e-mail address): those are found by the
page they link to (``alerts_about``), kept as dated rows, and reworded. What the circles'
record needs stays, pointing at "Former volunteer N": the memberships, minutes they
wrote or attended, concerns they raised, hours (totals, without notes) and expense
claims (kind, date, amount and decision, for the accounts; no description, no
receipt). An ErasureLog row ``VOL-000123`` proves it; the access log keeps its rows.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import user_deactivate
from cosa.services import service
from privacy.models import ErasureLog
from privacy.retention import _count, _delete_with_history, _require_manager
from volunteers.models import Volunteer


def reference_of(volunteer) -> str:
    return f"VOL-{volunteer.pk:06d}"


def anonymous_name(volunteer) -> tuple[str, str]:
    return "Former volunteer", str(volunteer.pk)


# What an alert about an erased volunteer says from then on (migration 0003 writes the
# same words into the alerts of volunteers erased before it).
ERASED_ALERT_SUBJECT = "An alert about a former volunteer"
ERASED_ALERT_BODY = "The volunteer's record has since been erased."


def volunteer_pages(volunteer) -> list[str]:
    """The pages about this volunteer alone: their record and their account's admin page."""
    return [
        reverse("volunteers:detail", args=[volunteer.pk]),
        reverse("admin:accounts_user_change", args=[volunteer.user_id]),
    ]


def alerts_about(volunteer):
    """Alerts in other people's bells about this volunteer: those linking to their own
    pages (a DBS recheck due, their account locked). Erasure rewords them and the
    subject-access export lists them, so both go by this one rule. The volunteer's own
    bell is not among them."""
    return (
        Notification.objects.linking_under(*volunteer_pages(volunteer))
        .exclude(recipient_id=volunteer.user_id)
        .select_related("recipient")
    )


def volunteer_retention_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Volunteers who left before this day are due for erasure."""
    today = today or timezone.localdate()
    return today - relativedelta(months=settings.COSA_VOLUNTEER_RETENTION_MONTHS)


def volunteers_due(today: datetime.date | None = None):
    return Volunteer.objects.filter(
        status=Volunteer.Status.LEFT,
        left_on__lt=volunteer_retention_cutoff(today),
        erased_at__isnull=True,
    ).order_by("pk")


def _history_purge(model, pks, counts):
    history = getattr(model, "history", None)
    if history is None or not pks:
        return
    n = history.model.objects.filter(id__in=pks).delete()[0]
    _count(counts, history.model, n)


@service
@transaction.atomic
def volunteer_erase(
    *, volunteer: Volunteer, acting_user: User | None, basis: str, reason: str
) -> ErasureLog | None:
    """Anonymise a volunteer who has left; None when already done (safe to run twice)."""
    from calendars.models import FeedToken
    from circles.models import Reminder
    from documents.models import DBSDecision, Document
    from documents.services import documents_erase
    from formpages.models import Draft, SubmitToken
    from loneworking.models import Alert, AlertRecipient, CheckIn
    from volunteering.models import ExpenseClaim, SupervisionDebrief
    from volunteers.models import (
        DBSCheck,
        Reference,
        SupervisionSession,
        TrainingRecord,
        VolunteerDistrict,
        VolunteerHours,
    )

    if acting_user is not None:
        _require_manager(acting_user)
    volunteer = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
    if volunteer.erased_at is not None:
        return None
    if volunteer.status != Volunteer.Status.LEFT or volunteer.left_on is None:
        raise ValidationError("Only a volunteer who has left can be erased.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the volunteer is erased."})
    user = volunteer.user
    counts = {}
    # Files once the erasure commits: a rolled-back erasure keeps them with its rows.
    files = []

    # Reminders point at rows by id: those about the volunteer or their checks, and to them.
    dbs_ids = list(DBSCheck.objects.filter(volunteer=volunteer).values_list("pk", flat=True))
    reminders = (
        Reminder.objects.filter(kind=Reminder.Kind.SUPERVISION_DUE, object_id=volunteer.pk)
        | Reminder.objects.filter(kind=Reminder.Kind.DBS_RECHECK, object_id__in=dbs_ids)
        | Reminder.objects.filter(recipient=user)
    )
    _count(counts, Reminder, reminders.delete()[0])

    # Lone working: the phone number and venue of each contact, and its alerts.
    checkins = CheckIn.objects.filter(volunteer=user)
    _count(
        counts,
        AlertRecipient,
        AlertRecipient.objects.filter(alert__checkin__in=checkins).delete()[0],
    )
    _count(counts, Alert, Alert.objects.filter(checkin__in=checkins).delete()[0])
    _delete_with_history(checkins, counts)

    # Vetting: the DBS decisions (and any scan still kept) before the checks they decide.
    decisions = DBSDecision.objects.filter(dbs_check_id__in=dbs_ids)
    files += [(d.scan.storage, d.scan.name) for d in decisions.only("pk", "scan")]
    _count(counts, DBSDecision, decisions.delete()[0])
    for model in (DBSCheck, Reference, TrainingRecord, SupervisionSession, VolunteerDistrict):
        _delete_with_history(model.objects.filter(volunteer=volunteer), counts)
    _delete_with_history(SupervisionDebrief.objects.filter(volunteer=volunteer), counts)
    _count(counts, Document, documents_erase(Document.objects.filter(volunteer=volunteer)))

    # Kept for the circles' record and the accounts, without what describes the person.
    hours = VolunteerHours.objects.filter(volunteer=volunteer)
    hours.exclude(note="").update(note="")
    _history_purge(VolunteerHours, list(hours.values_list("pk", flat=True)), counts)
    claims = ExpenseClaim.objects.filter(volunteer=volunteer)
    files += [(c.receipt.storage, c.receipt.name) for c in claims.exclude(receipt="")]
    claims.update(description="(erased)", receipt="", refusal_reason="")
    _history_purge(ExpenseClaim, list(claims.values_list("pk", flat=True)), counts)

    # What the person typed, was sent or signs in with.
    _count(counts, Draft, Draft.objects.filter(author=user).delete()[0])
    SubmitToken.objects.filter(user=user).delete()
    user.notifications.all().delete()
    # Other people's alerts about them keep their date and read state, not their words.
    scrubbed = alerts_about(volunteer).update(
        subject=ERASED_ALERT_SUBJECT, body=ERASED_ALERT_BODY, email_error=""
    )
    if scrubbed:
        counts["accounts.notification (reworded)"] = scrubbed
    FeedToken.objects.filter(user=user).delete()
    _devices_delete(user)
    _throttle_events_delete(user.email)

    # The profile: anonymous from here on.
    Volunteer.objects.filter(pk=volunteer.pk).update(
        postcode_area="",
        notes="",
        exit_reason="",
        availability=0,
        gender="",
        skills="",
        languages="",
        conflict_people="",
        erased_at=timezone.now(),
    )
    _history_purge(Volunteer, [volunteer.pk], counts)
    if user.is_active:
        user_deactivate(user=user, acting_user=acting_user)
    first, last = anonymous_name(volunteer)
    User.objects.filter(pk=user.pk).update(
        first_name=first,
        last_name=last,
        email=f"former-volunteer-{volunteer.pk}@erased.invalid",
        phone="",
        # Unusable, as set_unusable_password() makes it: no one signs in as them again.
        password=make_password(None),
    )
    user.groups.clear()
    _history_purge(User, [user.pk], counts)
    _admin_log_scrub(volunteer, user, f"{first} {last}")

    names = [(storage, name) for storage, name in files if name]
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])
    return ErasureLog.objects.create(
        reference=reference_of(volunteer),
        erased_by=acting_user,
        basis=basis,
        reason=reason[:300],
        closed_on=volunteer.left_on,
        counts={label: n for label, n in sorted(counts.items()) if n},
    )


def _devices_delete(user):
    from django_otp import devices_for_user

    for device in devices_for_user(user, confirmed=None):
        device.delete()


def _throttle_events_delete(email):
    from accounts.models import ThrottleEvent

    ThrottleEvent.objects.filter(account__iexact=email).delete()


def _admin_log_scrub(volunteer, user, name):
    """The admin site's log names the object changed: name the anonymous one instead."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    for model, pk in ((Volunteer, volunteer.pk), (User, user.pk)):
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=str(pk)
        ).update(object_repr=name, change_message="")


def volunteer_retention_sweep(today: datetime.date | None = None) -> list[ErasureLog]:
    """Erase every volunteer who left more than the retention period ago (daily)."""
    months = settings.COSA_VOLUNTEER_RETENTION_MONTHS
    erased = []
    for volunteer in volunteers_due(today):
        log = volunteer_erase(
            volunteer=volunteer,
            acting_user=None,
            basis=ErasureLog.Basis.RETENTION,
            reason=f"Left on {volunteer.left_on:%d %B %Y}; volunteers' records are kept "
            f"{months} months after they leave.",
        )
        if log is not None:
            erased.append(log)
    return erased
