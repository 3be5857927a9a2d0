"""A volunteer who left long ago is anonymised by the retention task; others are not."""

import datetime
import json
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Agency, Notification, ThrottleEvent, User
from accounts.notifications import notification_create
from calendars.models import FeedToken
from circles import services as circle_services
from circles.models import CircleMembership, Reminder
from cosa.tests.world import _user, active_volunteer, launched_circle
from documents import services as document_services
from documents.models import DBSDecision, Document
from formpages.models import Draft
from loneworking import services as loneworking_services
from loneworking.models import CheckIn
from privacy import retention, tasks
from privacy.models import ErasureLog
from privacy.tests.planted_support import tables_holding
from privacy.volunteers import volunteer_erase, volunteer_retention_sweep
from volunteering.models import ExpenseClaim, SupervisionDebrief
from volunteers import services as volunteer_services
from volunteers.models import (
    DBSCheck,
    Reference,
    SupervisionSession,
    TrainingRecord,
    Volunteer,
    VolunteerDistrict,
    VolunteerHours,
)

pytestmark = pytest.mark.django_db

SURNAME = "Quillfeather"
PHONE = "07700 900777"
HOME = "ZQ9"
TRAVELS_TO = "ZQ8"
CERTIFICATE = "123498765432"
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% " + SURNAME.encode() + b"\n", "application/pdf")


def _png(name):
    import io

    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (2, 2)).save(data, "PNG")
    return SimpleUploadedFile(name, data.getvalue(), "image/png")


def _leaver(
    first,
    last,
    *,
    coordinator,
    manager,
    circle_volunteers,
    phone=PHONE,
    certificate=CERTIFICATE,
    home=HOME,
    travels_to=TRAVELS_TO,
):
    """A volunteer with every kind of record, who served in a circle and then left."""
    volunteer = active_volunteer(first, last)
    user = volunteer.user
    user.phone = phone
    user.save(update_fields=["phone"])
    VolunteerDistrict.objects.create(volunteer=volunteer, kind="TRAVEL", district=travels_to)
    dbs = DBSCheck.objects.create(
        volunteer=volunteer, certificate_number=certificate, issued_on=TODAY()
    )
    document_services.dbs_decision_record(
        dbs_check=dbs, decision="CLEAR", scan=_png(f"{last}-dbs.png"), acting_user=coordinator
    )
    Reference.objects.create(
        volunteer=volunteer,
        referee_name=f"Ms {last} senior",
        relationship="aunt",
        requested_on=TODAY(),
    )
    TrainingRecord.objects.filter(volunteer=volunteer).update(notes=f"{last} did well")
    SupervisionSession.objects.create(
        volunteer=volunteer, coordinator=coordinator, held_on=TODAY(), notes=f"{last} is tired"
    )
    circle = launched_circle(
        coordinator=coordinator,
        volunteers=[volunteer, *circle_volunteers],
        agencies=[Agency.objects.get_or_create(name="Probation North", kind="PROBATION")[0]],
        first="Ned",
        last=f"Nobody{first}",
        circle_name=f"{first}'s circle",
    )
    SupervisionDebrief.objects.create(volunteer=volunteer, circle=circle)
    volunteer_services.hours_log(
        volunteer=volunteer,
        worked_on=TODAY(),
        kind="OTHER",
        hours=Decimal("2"),
        circle=circle,
        note=f"Drove {last} cousin",
        acting_user=user,
    )
    ExpenseClaim.objects.create(
        volunteer=volunteer,
        circle=circle,
        kind="RECEIPT",
        incurred_on=TODAY(),
        description=f"Taxi to {last} Lane",
        amount=Decimal("12.50"),
        receipt=_pdf(f"{last}-taxi.pdf"),
    )
    checkin, _ = loneworking_services.checkin_start(
        circle=circle,
        kind="ONE_TO_ONE",
        venue=f"Café on {last} Lane",
        expected_end_at=timezone.now() + datetime.timedelta(hours=1),
        phone=phone,
        acting_user=user,
    )
    loneworking_services.checkin_help(checkin=checkin, acting_user=user)
    document_services.document_add(
        owner=volunteer,
        category="OTHER",
        document_date=TODAY(),
        title=f"{last} CV",
        file=_pdf(f"{last}-cv.pdf"),
        acting_user=coordinator,
    )
    notification_create(recipient=user, subject=f"Hello {last}", link="/")
    Draft.objects.create(
        author=user,
        path="/volunteering/claims/new/",
        data={"description": f"Train to {last}"},
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    FeedToken.objects.create(user=user, token_hash=f"{volunteer.pk:064d}")
    TOTPDevice.objects.create(user=user, name=f"{last} phone")
    ThrottleEvent.objects.create(kind="LOGIN_FAILED", account=user.email)
    Reminder.objects.create(
        kind=Reminder.Kind.SUPERVISION_DUE,
        object_id=volunteer.pk,
        recipient=coordinator,
        period="2020-01-01",
        due_at=timezone.now(),
    )
    circle_services.volunteer_leave(volunteer=volunteer, reason=f"Moved to {last}ton")
    # The profile as it stood (leaving saves the whole row, so set after it).
    Volunteer.objects.filter(pk=volunteer.pk).update(
        postcode_area=home,
        notes=f"Prefers evenings ({last})",
        availability=5,
        gender="FEMALE",
        skills=f"{last} counselling",
        languages=f"{last}ish",
        conflict_people=f"Knows the {last} family",
    )
    return Volunteer.objects.select_related("user").get(pk=volunteer.pk)


@pytest.fixture
def world(db):
    coordinator = _user(User.Role.COORDINATOR, "Cora", "Cardew")
    manager = _user(User.Role.MANAGER, "Mani", "Marlowe")
    fillers = [active_volunteer("Fay", f"Filler{n}") for n in range(4)]
    gone = _leaver(
        "Zephyrine",
        SURNAME,
        coordinator=coordinator,
        manager=manager,
        circle_volunteers=fillers[:2],
    )
    recent = _leaver(
        "Rowena",
        "Recentleaver",
        coordinator=coordinator,
        manager=manager,
        circle_volunteers=fillers[2:],
        phone="07700 900888",
        certificate="998877665544",
        home="RR1",
        travels_to="RR2",
    )
    # Zephyrine left six years and a month ago; Rowena five years and eleven months ago.
    Volunteer.objects.filter(pk=gone.pk).update(left_on=TODAY() - relativedelta(months=73))
    Volunteer.objects.filter(pk=recent.pk).update(left_on=TODAY() - relativedelta(months=71))
    return {
        "coordinator": coordinator,
        "manager": manager,
        "gone": Volunteer.objects.select_related("user").get(pk=gone.pk),
        "recent": Volunteer.objects.select_related("user").get(pk=recent.pk),
        "active": fillers[0],
    }


def _where(planted: str) -> list[str]:
    """Every table and column (history, tokens, logs included) holding ``planted``."""
    return tables_holding(planted)


def _stored_files(world):
    return [
        *(c.receipt for c in ExpenseClaim.objects.filter(volunteer=world["gone"])),
        *(d.file for d in Document.objects.filter(volunteer=world["gone"])),
        *(d.scan for d in DBSDecision.objects.filter(dbs_check__volunteer=world["gone"])),
    ]


# Refusals first ------------------------------------------------------------------------------


def test_an_active_volunteer_cannot_be_erased(world):
    with pytest.raises(ValidationError):
        volunteer_erase(
            volunteer=world["active"], acting_user=world["manager"], basis="REQUEST", reason="x"
        )
    world["active"].refresh_from_db()
    assert world["active"].erased_at is None


def test_only_a_manager_erases_a_volunteer_by_hand(world):
    for user in (world["coordinator"], world["recent"].user):
        with pytest.raises(ValidationError):
            volunteer_erase(
                volunteer=world["gone"], acting_user=user, basis="REQUEST", reason="Asked"
            )
    assert SURNAME in world["gone"].user.last_name
    assert not ErasureLog.objects.exists()


def test_nothing_is_due_before_the_retention_period_ends(world, settings):
    settings.COSA_VOLUNTEER_RETENTION_MONTHS = 74
    assert volunteer_retention_sweep() == []
    assert User.objects.filter(last_name=SURNAME).exists()


def test_the_recent_leaver_and_the_active_volunteer_are_untouched(
    world, django_capture_on_commit_callbacks
):
    before = {
        key: (Volunteer.objects.get(pk=world[key].pk).__dict__.copy())
        for key in ("recent", "active")
    }
    with django_capture_on_commit_callbacks(execute=True):
        tasks.retention_sweep()
    for key in ("recent", "active"):
        after = Volunteer.objects.get(pk=world[key].pk).__dict__
        assert {k: v for k, v in after.items() if k != "_state"} == {
            k: v for k, v in before[key].items() if k != "_state"
        }
    recent = world["recent"]
    recent.user.refresh_from_db()
    assert recent.user.last_name == "Recentleaver" and recent.user.phone == "07700 900888"
    assert recent.dbs_checks.exists() and recent.references.exists()
    assert CheckIn.objects.filter(volunteer=recent.user).exists()
    assert ExpenseClaim.objects.get(volunteer=recent).receipt
    assert "Recentleaver" in json.dumps(retention.volunteer_export(recent), cls=DjangoJSONEncoder)
    assert world["active"].user.is_active


# The erasure ---------------------------------------------------------------------------------


def test_the_export_before_erasure_holds_every_store(world):
    data = retention.volunteer_export(world["gone"])
    text = json.dumps(data, cls=DjangoJSONEncoder)
    assert data["user"]["phone"] == PHONE
    assert [d["district"] for d in data["districts"]] == [TRAVELS_TO]
    assert data["dbs_decisions"][0]["certificate_number"] == CERTIFICATE
    assert data["lone_working_checkins"][0]["venue"] == f"Café on {SURNAME} Lane"
    assert "token_hash" not in data["lone_working_checkins"][0]
    assert data["documents"][0]["title"] == f"{SURNAME} CV"
    assert data["drafts"][0]["text"] == {"description": f"Train to {SURNAME}"}
    assert data["notifications"][0]["subject"] == f"Hello {SURNAME}"
    assert data["expense_claims"][0]["description"] == f"Taxi to {SURNAME} Lane"
    assert f"{SURNAME} is tired" in text


def test_the_sweep_leaves_no_trace_of_the_planted_data_in_any_table(
    world, django_capture_on_commit_callbacks
):
    gone = world["gone"]
    files = _stored_files(world)
    assert len(files) == 3 and all(f.storage.exists(f.name) for f in files)
    for planted in (SURNAME, PHONE, HOME, TRAVELS_TO, CERTIFICATE):
        assert _where(planted), planted  # planted for real, before

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retention_sweep() == 1

    for planted in (SURNAME, PHONE, HOME, TRAVELS_TO, CERTIFICATE):
        assert _where(planted) == [], planted
    assert not any(f.storage.exists(f.name) for f in files)
    gone.refresh_from_db()
    gone.user.refresh_from_db()
    assert gone.user.get_full_name() == f"Former volunteer {gone.pk}"
    assert not gone.user.is_active and not gone.user.has_usable_password()
    assert gone.erased_at is not None
    assert (gone.availability, gone.gender, gone.skills, gone.languages) == (0, "", "", "")
    log = ErasureLog.objects.get()
    assert log.reference == f"VOL-{gone.pk:06d}" and log.basis == "RETENTION"


def test_the_circles_record_keeps_anonymous_rows(world, django_capture_on_commit_callbacks):
    gone = world["gone"]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.retention_sweep()
    membership = CircleMembership.objects.get(volunteer=gone)
    assert str(membership.volunteer) == f"Former volunteer {gone.pk}"
    hours = VolunteerHours.objects.get(volunteer=gone)
    assert (hours.hours, hours.note) == (Decimal("2.00"), "")
    claim = ExpenseClaim.objects.get(volunteer=gone)
    assert (claim.amount, claim.receipt.name) == (Decimal("12.50"), "")
    assert not CheckIn.objects.filter(volunteer=gone.user).exists()
    for model in (DBSCheck, Reference, TrainingRecord, SupervisionSession):
        assert not model.objects.filter(volunteer=gone).exists(), model
    assert not SupervisionDebrief.objects.filter(volunteer=gone).exists()
    assert not Document.objects.filter(volunteer=gone).exists()
    assert not Notification.objects.filter(recipient=gone.user).exists()
    assert not Reminder.objects.filter(kind="SUPERVISION_DUE", object_id=gone.pk).exists()
    assert not FeedToken.objects.filter(user=gone.user).exists()
    assert not TOTPDevice.objects.filter(user=gone.user).exists()


def test_the_sweep_is_idempotent(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retention_sweep() == 1
        assert tasks.retention_sweep() == 0
    assert (
        volunteer_erase(
            volunteer=world["gone"], acting_user=world["manager"], basis="REQUEST", reason="Again"
        )
        is None
    )
    assert ErasureLog.objects.count() == 1
    assert retention.volunteer_export(world["gone"])["dbs_checks"] == []
