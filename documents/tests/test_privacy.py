"""Documents go with the Core Member's record on erasure and appear in his export."""

import datetime
import json

import pytest
from django.utils import timezone

from circles import services as circle_services
from circles.models import Circle
from documents.models import Document
from documents.tests.factories import add_document, stored_files
from privacy import retention
from privacy.models import ErasureLog

pytestmark = pytest.mark.django_db


def _close(world):
    circle = world.objects["circle"]
    circle_services.circle_end(
        circle=circle,
        reason=Circle.EndReason.COMPLETED,
        acting_user=world.users["owner"],
        ended_on=timezone.localdate() - datetime.timedelta(days=10),
    )


def test_erasure_deletes_his_and_his_circles_documents_and_their_files(
    world, media, django_capture_on_commit_callbacks
):
    core_member, circle = world.objects["core_member"], world.objects["circle"]
    owner = world.users["owner"]
    add_document(core_member, owner, category="RISK_SUMMARY", title="OASys summary")
    add_document(circle, owner, category="COVENANT", title="Covenant v1")
    theirs = add_document(world.objects["other_circle"], world.users["other_coordinator"])
    volunteer_document = add_document(world.objects["volunteer"], owner, category="REFERENCE")
    assert len(stored_files(media)) == 4
    _close(world)

    with django_capture_on_commit_callbacks(execute=True):
        log = retention.core_member_erase(
            core_member=core_member,
            acting_user=world.users["manager"],
            basis=ErasureLog.Basis.RETENTION,
            reason="Test erasure",
        )

    assert log.counts["documents.document"] == 2
    assert set(Document.objects.all()) == {theirs, volunteer_document}
    assert stored_files(media) == sorted(
        [media / theirs.file.name, media / volunteer_document.file.name]
    )


def test_a_rolled_back_erasure_keeps_the_files(world, media, monkeypatch):
    core_member = world.objects["core_member"]
    add_document(core_member, world.users["owner"])
    _close(world)
    monkeypatch.setattr(ErasureLog.objects, "create", lambda **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        retention.core_member_erase(
            core_member=core_member,
            acting_user=world.users["manager"],
            basis=ErasureLog.Basis.RETENTION,
            reason="Test erasure",
        )
    assert len(stored_files(media)) == 1


def test_the_export_indexes_his_and_his_circles_documents(world, media):
    core_member, circle = world.objects["core_member"], world.objects["circle"]
    owner = world.users["owner"]
    add_document(core_member, owner, category="LICENCE_CONDITIONS", title="Licence")
    add_document(circle, owner, category="COVENANT", title="Covenant v1")
    add_document(world.objects["other_circle"], world.users["other_coordinator"], title="Zebediah")

    data = retention.subject_access_export(core_member)

    by_title = {d["title"]: d for d in data["documents"]}
    assert set(by_title) == {"Licence", "Covenant v1"}
    assert by_title["Licence"]["on"] == "Core Member"
    assert by_title["Licence"]["kind"] == "Licence conditions"
    assert by_title["Covenant v1"]["on"] == f"circle {circle.name}"
    assert by_title["Licence"]["file"] == "Licence conditions.pdf"
    assert "Zebediah" not in json.dumps(data["documents"])
