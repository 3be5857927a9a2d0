"""What the admin-registry tests share: one row of every registered model, snapshots, forms.

``one_of_each`` builds at least one row of every model on the admin site, so every
admin URL reaches a real object; it fails, naming the model, when a newly registered
model has no row (add one here).
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog, Notification, ThrottleEvent, User
from accounts.services import user_create
from accounts.tests.factories import (
    AgencyFactory,
)
from accounts.two_factor import enrolment_code_issue
from calendars.models import FeedToken, token_digest
from circles import services as circle_services
from circles.models import (
    ConcernAction,
    Cover,
    OnCallShift,
    Reminder,
    SafeguardingContact,
    SweepRun,
)
from circles.tests.factories import (
    ConcernFactory,
    CovenantFactory,
    MeetingObservationFactory,
    ReviewMilestoneFactory,
    launchable_circle,
)
from coreMembers.tests.factories import (
    LiaisonAssignmentFactory,
    MappaRecordFactory,
    RecordRecipientFactory,
    ReferralDocumentFactory,
    RiskAssessmentFactory,
    SharingAgreementFactory,
)
from outcomes.models import FollowUpCheck, OutcomeEvent
from privacy.models import ErasureLog
from reports.models import ReportTemplate
from reports.queries import Period
from reports.services import meeting_summary_save, summary_refresh
from volunteers.tests.factories import (
    ReferenceFactory,
    SupervisionSessionFactory,
    VolunteerHoursFactory,
)

__all__ = ["make_manager"]


def registered_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


def model_param_ids(models):

    return [pytest.param(m, id=m._meta.label) for m in models]


def one_of_each():
    """One row (and so one historical version) of every model on the admin site."""
    circle = make_rows()
    core_member = circle.core_member
    coordinator = circle.coordinator
    agency = circle.referral.source_agency
    today = timezone.localdate()
    Notification.objects.create(
        recipient=coordinator, subject="Minutes are due", link=f"/circles/{circle.pk}/"
    )
    Reminder.objects.create(
        kind=Reminder.Kind.MEETING,
        object_id=circle.meetings.first().pk,
        recipient=coordinator,
        period="next",
        due_at=timezone.now(),
    )
    SweepRun.objects.create(finished_at=timezone.now())
    FeedToken.objects.create(user=coordinator, token_hash=token_digest("admin-support-token"))
    deputy = User.objects.filter(role=User.Role.MANAGER).first()
    deputy = deputy or user_create(
        email="deputy.admin@example.org",
        first_name="Dana",
        last_name="Deputy",
        role=User.Role.COORDINATOR,
        password="not-used-Pa55word!",
    )
    Cover.objects.create(
        coordinator=coordinator,
        deputy=deputy,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=2),
        created_by=coordinator,
    )
    OnCallShift.objects.create(
        staff=coordinator,
        phone="01632 960002",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=8),
        created_by=coordinator,
    )
    ConcernAction.objects.create(
        concern=ConcernFactory(circle=circle),
        kind=ConcernAction.Kind.choices[0][0],
        acted_at=timezone.now(),
        acted_by=coordinator,
        outcome="Left a message with the duty desk.",
    )
    SafeguardingContact.objects.create(
        core_member=core_member,
        name="Duty desk",
        organisation="Fictional Constabulary",
        phone="01632 960003",
        created_by=coordinator,
    )
    ErasureLog.objects.create(
        reference="CM-999999", erased_by=coordinator, basis="RETENTION", reason="Kept long enough"
    )
    OutcomeEvent.objects.create(
        core_member=core_member,
        circle=circle,
        kind=OutcomeEvent.Kind.RECALL,
        occurred_on=today - datetime.timedelta(days=3),
        source_agency=agency,
        recorded_by=coordinator,
    )
    FollowUpCheck.objects.create(
        circle=circle,
        months=FollowUpCheck.Months.choices[0][0],
        checked_on=today,
        checked_with=agency,
        nothing_found=True,
        recorded_by=coordinator,
    )
    TOTPDevice.objects.create(user=coordinator, name="Authenticator app", confirmed=True)
    _lone_working_and_claims(circle, today)
    StaticDevice.objects.create(user=coordinator, name="Backup codes", confirmed=True)
    Group.objects.get_or_create(name="Spare group")
    ThrottleEvent.objects.create(
        kind=ThrottleEvent.Kind.LOGIN_FAILED, account="someone@example.org", ip_address="192.0.2.7"
    )
    enrolment_code_issue(user=circle.memberships.first().volunteer.user, acting_user=coordinator)
    missing = [m._meta.label for m in registered_models() if a_row(m) is None]
    assert not missing, f"one_of_each() makes no (versioned) row of {missing}: add one"
    return circle


# Snapshots ---------------------------------------------------------------------------------


def snapshot():
    """Every field of every row of every registered model, with its many-to-many links."""
    tables = {}
    for model in registered_models():
        tables[model._meta.label] = {
            row["pk"]: row
            for row in model._default_manager.order_by().values("pk", *_field_names(model))
        }
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            tables[through._meta.label] = sorted(through.objects.values_list(flat=False))
        history = getattr(model._meta, "simple_history_manager_attribute", None)
        if history:
            historical = getattr(model, history).model
            tables[historical._meta.label] = historical.objects.count()
    return tables


def _field_names(model):
    return [f.attname for f in model._meta.concrete_fields]


def changed_rows(before, after, *, may_grow=()):
    """The tables whose rows differ; ``may_grow`` tables may only gain rows, never change."""
    changed = []
    for label, rows in before.items():
        now = after[label]
        if label in may_grow:
            if any(now.get(pk) != row for pk, row in rows.items()):
                changed.append(label)
        elif now != rows:
            changed.append(label)
    return changed


# Admin URLs ----------------------------------------------------------------------------------


def admin_urls(model, obj, version_id):
    """Every named URL of the model's admin, filled in with this row and its version."""
    model_admin = admin.site._registry[model]
    urls = {}
    for pattern in model_admin.get_urls():
        if not pattern.name:  # the bare <pk>/ redirect to the change page
            continue
        args = [obj.pk, version_id][: pattern.pattern.regex.groups]
        if None in args:  # a version page, and the row has no history
            continue
        urls[pattern.name] = reverse(f"admin:{pattern.name}", args=args)
    return urls


def latest_version_id(obj):
    """The row's newest historical version, or None (no history kept, or none written)."""
    history = getattr(type(obj)._meta, "simple_history_manager_attribute", None)
    if not history:
        return None
    versions = getattr(obj, history).order_by("-history_id")
    return versions.values_list("history_id", flat=True).first()


def a_row(model):
    """A row of the model with a historical version when it keeps history.

    Rows written by ``bulk_create`` (generated meetings) have none, and the
    history-revert URL needs one.
    """
    rows = model._default_manager.order_by("pk")
    history = getattr(model._meta, "simple_history_manager_attribute", None)
    if history:
        versioned = getattr(model, history).values(model._meta.pk.attname)
        rows = rows.filter(pk__in=versioned)
    return rows.first()


# Attack payloads -------------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The name=value pairs a browser would submit for a form's rendered widgets."""

    def __init__(self):
        super().__init__()
        self.data = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.setdefault(name, []).append(attrs.get("value") or "on")
            elif kind not in ("file", "submit", "button"):
                self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


REWRITTEN = " (rewritten through the admin)"


def rewrite_payload(model, obj, user):
    """A valid-looking POST for the row's admin form, with its text rewritten.

    Built from the form simple-history's history page builds (the admin's form for
    the row, every field editable), as an attacker reads it off the page; every
    textarea is rewritten and every checkbox ticked (``is_superuser`` among them).
    """
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = user
    form = model_admin.get_form(request, obj)(instance=obj)
    parser = _FormFields()
    parser.feed(str(form))
    data = parser.data
    for name, field in form.fields.items():
        widget = type(field.widget).__name__
        if "Textarea" in widget:
            data[name] = [(data.get(name) or [""])[0] + REWRITTEN]
        elif "CheckboxInput" in widget:
            data[name] = ["on"]
    return data


def make_manager():
    """A manager made the way production makes one."""
    return user_create(
        email="morag.mansell@example.org",
        first_name="Morag",
        last_name="Mansell",
        role=User.Role.MANAGER,
        password="manager-password-123",
    )


def make_rows():
    """At least one row of every registered project model, so each column renders."""
    circle = launchable_circle()
    circle = circle_services.circle_launch(circle=circle, acting_user=circle.coordinator)
    volunteer = circle.memberships.first().volunteer
    MeetingObservationFactory(note__meeting__circle=circle)
    ConcernFactory(circle=circle)
    CovenantFactory(circle=circle)
    ReviewMilestoneFactory(kind="END", circle=circle)
    ReferenceFactory(volunteer=volunteer)
    SupervisionSessionFactory(volunteer=volunteer)
    VolunteerHoursFactory(volunteer=volunteer, circle=circle)
    core_member = circle.core_member
    MappaRecordFactory(core_member=core_member)
    ReferralDocumentFactory(referral=circle.referral)
    RiskAssessmentFactory(core_member=core_member)
    SharingAgreementFactory(core_member=core_member)
    LiaisonAssignmentFactory(core_member=core_member)
    RecordRecipientFactory(record__core_member=core_member)
    AgencyFactory()
    AccessLog.objects.create(user=circle.coordinator, action=AccessLog.Action.VIEW)
    summary_refresh()
    today = timezone.localdate()
    meeting_summary_save(
        core_member=core_member,
        kind="mappa",
        period=Period(today, today),
        text="A fictional coordinator's summary.",
        acting_user=circle.coordinator,
    )
    ReportTemplate.objects.create(
        kind="mappa",
        name="ours.docx",
        content=b"PK",
        size=2,
        uploaded_by=circle.coordinator,
    )
    return circle


def _lone_working_and_claims(circle, today):
    """A lone-working check-in with an alert, an expense claim and a debrief offer."""
    import datetime

    from loneworking.models import Alert, CheckIn
    from volunteering.models import ExpenseClaim, SupervisionDebrief

    volunteer = circle.memberships.select_related("volunteer__user").first().volunteer
    now = timezone.now()
    checkin = CheckIn.objects.create(
        volunteer=volunteer.user,
        circle=circle,
        kind=CheckIn.Kind.ONE_TO_ONE,
        venue="A cafe in town",
        expected_end_at=now + datetime.timedelta(hours=1),
        phone="07700 900111",
        token_hash="admin-support-" + "0" * 50,
        link_expires_at=now + datetime.timedelta(hours=5),
    )
    Alert.objects.create(checkin=checkin, step=Alert.Step.HELP)
    ExpenseClaim.objects.create(
        volunteer=volunteer,
        circle=circle,
        kind=ExpenseClaim.Kind.RECEIPT,
        incurred_on=today,
        description="Bus fare",
        amount="4.20",
    )
    SupervisionDebrief.objects.create(volunteer=volunteer, circle=circle)
    from accounts.models import User
    from volunteering.models import MileageRate

    MileageRate.objects.create(
        pence_per_mile=45,
        effective_from=today,
        set_by=User.objects.filter(role=User.Role.MANAGER).first() or volunteer.user,
    )
    from volunteers.models import VolunteerDistrict

    VolunteerDistrict.objects.create(
        volunteer=volunteer, kind=VolunteerDistrict.Kind.TRAVEL, district="LS6"
    )
