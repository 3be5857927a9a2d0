"""DBS decisions and their scans: staff only, and the scan goes after six months."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from cosa import uploads
from documents import services, tasks
from documents.models import DBSDecision
from documents.tests.factories import stored_files

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\nfictional scan"


def _scan(content=PNG):
    return uploads.validate_document(SimpleUploadedFile("DBS certificate.png", content))


@pytest.fixture
def volunteer(world):
    return world.objects["volunteer"]


@pytest.fixture
def check(volunteer):
    """The volunteer's DBS check (the world gives each volunteer one)."""
    return volunteer.dbs_checks.get()


@pytest.fixture
def decision_url(volunteer, check):
    return reverse("documents:dbs_decision", args=[volunteer.pk, check.pk])


def _record(check, user, *, content=PNG, decision="CLEAR"):
    return services.dbs_decision_record(
        dbs_check=check, decision=decision, scan=_scan(content), acting_user=user
    )


def test_outsiders_get_404_and_the_volunteer_403_on_the_decision_and_scan(
    client, world, media, volunteer, check, decision_url
):
    _record(check, world.users["owner"])
    other_check = world.objects["other_volunteer"].dbs_checks.get()
    urls = [
        decision_url,
        reverse("documents:dbs_scan", args=[volunteer.pk, check.pk]),
    ]
    for name, status in (
        ("volunteer_other_circle", 404),
        ("liaison_assigned", 404),
        # The volunteer sees their own profile, not the decision on it.
        ("volunteer_in_circle", 403),
    ):
        client.force_login(world.users[name])
        for url in urls:
            assert client.get(url).status_code == status, (name, url)
        assert client.post(urls[0], {"decision": "CONSIDERED_DECLINED"}).status_code == status
    # Another volunteer's check through this volunteer's path.
    client.force_login(world.users["owner"])
    url = reverse("documents:dbs_decision", args=[volunteer.pk, other_check.pk])
    assert client.get(url).status_code == 404
    assert DBSDecision.objects.get().decision == "CLEAR"


def test_staff_record_a_decision_with_a_scan_and_download_it(
    client, world, media, volunteer, check, decision_url
):
    client.force_login(world.users["owner"])
    response = client.post(
        decision_url,
        {
            "decision": "CONSIDERED_ACCEPTED",
            "scan": SimpleUploadedFile("certificate.png", PNG),
        },
    )
    assert response.status_code == 302
    decision = DBSDecision.objects.get(dbs_check=check)
    assert decision.decided_by == world.users["owner"]
    assert decision.scan_original_name == "certificate.png"
    uploaded_on = timezone.localdate(decision.scan_uploaded_at)
    assert decision.scan_deletes_on == uploaded_on + relativedelta(months=6)
    page = client.get(reverse("volunteers:detail", args=[volunteer.pk]))
    assert b"risk-assessed: accepted" in page.content
    download = client.get(reverse("documents:dbs_scan", args=[volunteer.pk, check.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.filter(object_type="documents.dbsdecision", action="VIEW").exists()


def test_the_volunteers_page_reads_their_dbs_checks_once_decisions_and_all(
    client, world, media, volunteer, check
):
    _record(check, world.users["owner"])
    client.force_login(world.users["owner"])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("volunteers:detail", args=[volunteer.pk]))
    # The record's DBS table and the documents section's certificates, from one read.
    assert b"DBS checks" in page.content and b"DBS certificates" in page.content
    assert b"Clear: nothing disclosed" in page.content
    reads = [q for q in captured if q["sql"].startswith('SELECT "volunteers_dbscheck"."id"')]
    assert len(reads) == 1


def test_a_scan_that_is_not_an_image_or_pdf_is_refused(client, world, media, decision_url):
    client.force_login(world.users["manager"])
    response = client.post(
        decision_url, {"decision": "CLEAR", "scan": SimpleUploadedFile("scan.png", b"MZ\x90binary")}
    )
    assert response.status_code == 200
    assert "is not really a PNG file" in " ".join(response.context["form"].errors["scan"])
    assert not DBSDecision.objects.exists()
    assert stored_files(media) == []


def test_the_purge_deletes_only_scans_older_than_six_months_and_runs_twice(
    world, media, freeze_time
):
    volunteers = [world.objects["volunteer"], world.objects["other_volunteer"]]
    old_check, new_check = (v.dbs_checks.get() for v in volunteers)
    now = timezone.now()
    freeze_time(now - datetime.timedelta(days=190))
    old = _record(old_check, world.users["owner"], content=PNG + b"old")
    freeze_time(now - datetime.timedelta(days=170))
    new = _record(new_check, world.users["owner"], content=PNG + b"new")
    freeze_time(now)
    old_path, new_path = old.scan.path, new.scan.path

    assert tasks.dbs_scans_purge() == 1

    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.scan and old.scan_deleted_at == now
    # The decision stays; only the copy of the certificate went.
    assert old.decision == "CLEAR" and old.scan_original_name == "DBS certificate.png"
    assert new.scan and new.scan_deleted_at is None
    assert stored_files(media) == [media / new.scan.name]
    assert not (media / old_path).exists() and (media / new_path).exists()
    # Again: nothing more to delete, and the date it went stays the first run's.
    freeze_time(now + datetime.timedelta(hours=1))
    assert tasks.dbs_scans_purge() == 0
    old.refresh_from_db()
    assert old.scan_deleted_at == now


def test_the_purge_finishes_a_scan_whose_file_already_went(world, media, freeze_time, check):
    now = timezone.now()
    freeze_time(now - datetime.timedelta(days=200))
    decision = _record(check, world.users["owner"])
    freeze_time(now)
    decision.scan.storage.delete(decision.scan.name)  # a run stopped after the delete
    assert services.dbs_scans_purge() == 1
    decision.refresh_from_db()
    assert decision.scan_deleted_at == now


def test_the_purge_is_in_the_daily_schedule():
    from cosa.celery import app

    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "documents.tasks.dbs_scans_purge" in tasks_scheduled


def test_a_new_scan_replaces_the_old_one_and_its_file(
    world, media, check, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _record(check, world.users["owner"], content=PNG + b"first")
    with django_capture_on_commit_callbacks(execute=True):
        decision = _record(check, world.users["owner"], content=PNG + b"second")
    assert DBSDecision.objects.count() == 1
    assert stored_files(media) == [media / decision.scan.name]
    assert (media / decision.scan.name).read_bytes() == PNG + b"second"
