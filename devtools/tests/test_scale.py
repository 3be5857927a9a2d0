"""generate_scale: a tiny --scale on the test database makes consistent data.

Consistent means what the services would have made: every circle's coordinator holds
its grants, every current volunteer is in the circle's group and so sees the circle,
liaisons see the Core Members they are assigned to and the records sent to them, the
model constraints hold, and the database's sequences continue past the bulk keys.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from circles.access import circles_visible_to
from circles.models import Circle, CircleMembership, Concern, Meeting, MeetingNote
from coreMembers.access import FULL, core_members_visible_to
from coreMembers.models import CoreMember, LiaisonAssignment
from devtools import scale
from sharing.access import records_visible_to
from sharing.models import InformationSharingRecord, RecordRecipient
from volunteers.models import Volunteer

TINY = 0.0005

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(db):
    return scale.generate(TINY, analyze=False)


def test_counts_scale_down_and_keep_enough_volunteers():
    full = scale.counts_for(1)
    assert full["core_members"] == 60_000
    assert full["open_circles"] == 12_000
    assert full["volunteers"] == 50_000
    tiny = scale.counts_for(TINY)
    assert tiny["core_members"] == 30
    assert tiny["open_circles"] == 6
    assert tiny["volunteers"] >= tiny["open_circles"] * 2


def test_counts_written_match_the_tables(generated):
    counts = scale.counts_for(TINY)
    assert generated["core members"] == counts["core_members"] == CoreMember.objects.count()
    assert Circle.objects.open().count() == counts["open_circles"]
    assert Circle.objects.filter(status=Circle.Status.ENDED).count() == counts["ended_circles"]
    assert Volunteer.objects.count() == counts["volunteers"]
    assert User.objects.filter(role=User.Role.COORDINATOR).count() == counts["coordinators"]
    assert User.objects.filter(role=User.Role.LIAISON).count() == counts["liaisons"]
    assert Meeting.objects.count() == generated["meetings"] > 500
    assert MeetingNote.objects.count() == generated["minutes"]
    assert Concern.objects.count() == generated["concerns"] > 0
    assert InformationSharingRecord.objects.count() == counts["records"]


def test_every_circle_has_its_coordinator_grants(generated):
    for circle in Circle.objects.select_related("coordinator"):
        coordinator = circle.coordinator
        assert coordinator.role == User.Role.COORDINATOR
        for perm in ("view_circle", "change_circle", "view_briefing"):
            assert coordinator.has_perm(f"circles.{perm}", circle), (circle.pk, perm)
        assert circles_visible_to(coordinator, "change").filter(pk=circle.pk).exists()
        # And the full record of the circle's Core Member.
        assert core_members_visible_to(coordinator, FULL).filter(pk=circle.core_member_id).exists()


def test_current_volunteers_are_in_the_circle_group_and_see_it(generated):
    open_circles = Circle.objects.open().select_related("volunteer_group")
    assert open_circles.exists()
    for circle in open_circles:
        members = (
            CircleMembership.objects.current()
            .filter(circle=circle)
            .select_related("volunteer__user")
        )
        assert members.count() == scale.VOLUNTEERS_PER_CIRCLE
        assert members.filter(role=CircleMembership.Role.PRIMARY).count() == 1
        group_users = set(circle.volunteer_group.user_set.values_list("pk", flat=True))
        assert group_users == {m.volunteer.user_id for m in members}
        for membership in members:
            user = membership.volunteer.user
            assert circles_visible_to(user).filter(pk=circle.pk).exists()
            assert not circles_visible_to(user, "change").filter(pk=circle.pk).exists()


def test_past_volunteers_of_ended_circles_do_not_see_them(generated):
    ended = Circle.objects.filter(status=Circle.Status.ENDED).first()
    assert not ended.volunteer_group.user_set.exists()
    assert not CircleMembership.objects.current().filter(circle=ended).exists()


def test_liaisons_see_assigned_core_members_and_records_sent_to_them(generated):
    assignment = LiaisonAssignment.objects.open().select_related("liaison").first()
    liaison = assignment.liaison
    assert core_members_visible_to(liaison).filter(pk=assignment.core_member_id).exists()
    received = RecordRecipient.objects.filter(liaison=liaison).values_list("record_id", flat=True)
    assert received
    visible = set(records_visible_to(liaison).values_list("pk", flat=True))
    assert set(received) == visible
    # Never the full record.
    assert not core_members_visible_to(liaison, FULL).exists()


def test_samples_pass_model_validation(generated):
    for model in (CoreMember, Circle, Meeting, MeetingNote, Concern, InformationSharingRecord):
        sample = list(model.objects.all()[:5])
        assert sample, model  # otherwise nothing of this model is validated
        for obj in sample:
            obj.full_clean()


def test_new_rows_continue_after_the_generated_keys(generated):
    circle = Circle.objects.open().first()
    meeting = Meeting.objects.create(
        circle=circle, starts_at=timezone.now() + timezone.timedelta(days=400)
    )
    assert meeting.pk > Meeting.objects.exclude(pk=meeting.pk).order_by("-pk").first().pk


def test_command_refuses_a_second_run_and_resets(db):
    out = io.StringIO()
    call_command("generate_scale", "--scale", str(TINY), "--no-progress", stdout=out)
    assert "generate_scale: scale=0.0005" in out.getvalue()
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate_scale", "--scale", str(TINY), "--no-progress", stdout=out)
    call_command(
        "generate_scale", "--scale", str(TINY), "--reset", "--no-progress", stdout=io.StringIO()
    )
    assert CoreMember.objects.count() == scale.counts_for(TINY)["core_members"]
    assert User.objects.filter(email__endswith="@scale.example.org").count() == sum(
        scale.counts_for(TINY)[k] for k in ("managers", "coordinators", "liaisons", "volunteers")
    )


def test_generated_pages_open_for_their_users(generated, client):
    """The bench's own page picking works on the generated data, and every page answers 200."""
    from devtools import bench

    pages = bench.pick_pages()
    assert [p.name for p in pages][0] == "floor"
    for page in pages:
        client.force_login(page.user)
        response = client.get(page.path)
        assert response.status_code == 200, (page.name, page.path, response.status_code)
    assert reverse("devtools:floor") == "/floor/"
