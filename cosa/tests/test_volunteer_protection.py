"""Volunteer protection: a volunteer's surname, phone, e-mail and home area never reach a
liaison or another circle's volunteer, and a volunteer's phone, e-mail and area reach no
other volunteer either (DESIGN §4). Every page of the permission matrix is opened by
each of them; a page they may not open answers 404 or 403 and carries nothing."""

import pytest
from django.db import transaction
from django.urls import reverse

from cosa.tests.matrix_rows import MATRIX
from cosa.tests.module_data import built_once
from cosa.tests.world import build_world

SURNAME = "Zanzibarova"
PHONE = "07700 900461"
EMAIL = "iris.private-mailbox@example.org"
AREA = "QZ97"

# Who must never see the surname of circle A's volunteers, and who must never see their
# contact details. Circle A's own volunteers know each other by name.
NO_SURNAME = ("liaison_assigned", "liaison_unassigned", "volunteer_other_circle")
NO_CONTACT = NO_SURNAME + ("volunteer_in_circle", "volunteer_left")


def _planted():
    world = build_world()
    member = (
        world.objects["circle"]
        .memberships.select_related("volunteer__user")
        # Not Ida Second: the two-factor rows find her by her name.
        .get(volunteer__user__first_name="Iris", left_on__isnull=True)
    )
    volunteer = member.volunteer
    volunteer.user.last_name = SURNAME
    volunteer.user.phone = PHONE
    volunteer.user.email = EMAIL
    volunteer.user.save()
    volunteer.postcode_area = AREA
    volunteer.save()
    return world


@pytest.fixture(scope="module")
def planted_world(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, _planted)


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _pages(world):
    for name in sorted(MATRIX):
        if name.startswith("admin:") or name.startswith("accounts:logout"):
            continue
        kwargs_for, _ = MATRIX[name]
        yield name, reverse(name, kwargs=kwargs_for(world))


@pytest.mark.django_db
@pytest.mark.parametrize("actor", NO_CONTACT)
def test_no_page_shows_a_volunteer_to_those_who_may_not_know_them(client, planted_world, actor):
    world = planted_world
    client.force_login(world.users[actor])
    leaks, opened = [], 0
    markers = (PHONE, EMAIL, AREA) + ((SURNAME,) if actor in NO_SURNAME else ())
    for name, url in _pages(world):
        with transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        if response.status_code != 200:
            continue
        opened += 1
        body = _body(response)
        leaks += [f"{name} ({url}): {marker}" for marker in markers if marker in body]
    # The walk reached the pages the actor uses every day, not only refusals.
    assert opened >= 5, f"{actor} opened only {opened} pages"
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_the_coordinator_still_sees_the_volunteers_contact_details(client, planted_world):
    """The check above can fail: the planted values are on the pages staff use."""
    world = planted_world
    client.force_login(world.users["owner"])
    volunteer = world.objects["circle"].memberships.get(volunteer__user__last_name=SURNAME)
    body = _body(client.get(reverse("volunteers:detail", kwargs={"pk": volunteer.volunteer_id})))
    assert SURNAME in body
    assert PHONE in body or EMAIL in body
