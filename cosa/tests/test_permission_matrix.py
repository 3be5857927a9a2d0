"""The permission matrix: every URL pattern x ten actors x GET and POST (DESIGN §4).

Each URL pattern is its own test case (a failure names its URL). Every request runs
inside a savepoint that is rolled back, so a POST that succeeds does not change what
the next one sees; the world is built once per module and rolled back at its end.
A URL pattern that is not classified here fails the test: a new page cannot ship
without saying who may use it.

Objects a user may not see answer 404, never 403 (DESIGN §4): for every pattern that
names an object, who sees that object is asked of the apps' access helpers, and the
row may give 403 only to those who see it; everyone else must get 404 (or 405 for a
method the page never takes, which it answers before looking anything up). A nested
object of another circle or Core Member (``/circles/A/meetings/<B's meeting>/``)
answers 404 too, even to those who may see but not change A.
"""

import re
import time
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import get_resolver, reverse

from conftest import TwoFactorClient
from cosa.tests.matrix_rows import MATRIX
from cosa.tests.matrix_support import ACTORS, LOGGED_IN, LOGGED_OUT
from cosa.tests.module_data import built_once
from cosa.tests.urlwalk import all_url_names, all_url_patterns
from cosa.tests.world import build_world

# The admin's own login page is the only admin page a non-manager is shown; it
# holds no data. Logging out of the admin needs a POST.
# A logged-in non-manager on either is bounced to the admin index, then to login.
ADMIN_OPEN = {"admin:login": {200, 302}, "admin:logout": {302, 405}}


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """One world for the module's tests, rolled back when they are done.

    Each test's own transaction (pytest-django) nests inside this one as a savepoint.
    """
    yield from built_once(django_db_blocker, build_world)


# Logging in (a session, its second factor, the login's access-log row) costs more than
# most requests, and the matrix makes thousands of requests. Each actor logs in once for
# the module, inside the module's transaction; every request then starts from a client
# holding only that session's cookie, as the client does straight after a login, and
# runs in a savepoint that is rolled back, so the session row is as the login left it.
# A session is used for a few minutes at most, well inside the idle limit; after that a
# test logs its actors in again for itself.
SESSION_REUSE_SECONDS = settings.SESSION_IDLE_SECONDS // 3


def _session_of(world, actor):
    """A logged-in session for the actor (None for anonymous): its key."""
    if actor == "anonymous":
        return None
    client = TwoFactorClient()
    client.force_login(world.users[actor])
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(scope="module")
def module_sessions(matrix_world, django_db_blocker):
    with django_db_blocker.unblock():
        sessions = {actor: _session_of(matrix_world, actor) for actor in ACTORS}
    return sessions, time.monotonic()


@pytest.fixture
def log_in(client, matrix_world, module_sessions):
    """``log_in(actor)``: the test client becomes that actor, freshly logged in."""
    sessions, made_at = module_sessions
    if time.monotonic() - made_at > SESSION_REUSE_SECONDS:
        sessions = {}  # logged in again, when first needed, inside this test

    def log_in(actor):
        if actor not in sessions:
            sessions[actor] = _session_of(matrix_world, actor)
        client.cookies = SimpleCookie()
        if sessions[actor] is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[actor]

    return log_in


def _request(client, method, url):
    """One request, its writes (the session's among them) rolled back."""
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


# Who sees the object a URL names ---------------------------------------------------------


def _sees_circle(user, pk):
    from circles.access import circles_visible_to

    return circles_visible_to(user).filter(pk=pk).exists()


def _sees_core_member(user, pk):
    from coreMembers.access import core_members_visible_to

    return core_members_visible_to(user).filter(pk=pk).exists()


def _sees_referral(user, pk):
    from coreMembers.access import referrals_visible_to

    return referrals_visible_to(user).filter(pk=pk).exists()


def _sees_record(user, pk):
    from sharing.access import records_visible_to

    return records_visible_to(user).filter(pk=pk).exists()


def _sees_chronology(user, pk):
    from django.http import Http404

    from chronology.access import core_member_for_chronology

    try:
        core_member_for_chronology(user, pk)
    except Http404:
        return False
    return True


def _sees_volunteer(user, pk):
    from volunteers.access import volunteers_visible_to

    return volunteers_visible_to(user).filter(pk=pk).exists()


def _sees_cover(user, pk):
    from circles.access import covers_visible_to

    return covers_visible_to(user).filter(pk=pk).exists()


def _sees_shift(user, pk):
    from circles.access import shifts_visible_to

    return shifts_visible_to(user).filter(pk=pk).exists()


def _sees_notification(user, pk):
    from accounts.models import Notification

    return Notification.objects.filter(recipient=user, pk=pk).exists()


def _sees_claim(user, pk):
    from volunteering.access import claims_visible_to

    return claims_visible_to(user).filter(pk=pk).exists()


def _sees_debrief(user, pk):
    from volunteering.access import debriefs_visible_to

    return debriefs_visible_to(user).filter(pk=pk).exists()


def _sees_account(user, pk):
    # Only a manager acts on another user's account (an enrolment code for them).
    from accounts.models import User

    return (
        user.is_manager and User.objects.filter(pk=pk, is_active=True).exclude(pk=user.pk).exists()
    )


def _sees_checkin(user, pk):
    from loneworking.access import checkins_visible_to

    return checkins_visible_to(user).filter(pk=pk).exists()


def _sees_lone_working_alert(user, pk):
    from django.http import Http404

    from loneworking.access import alert_for_user

    try:
        alert_for_user(user, pk)
    except Http404:
        return False
    return True


def _sees_caseload(user, pk):
    # Only a manager sees who coordinates what, to move it.
    from accounts.models import User

    return user.is_manager and User.objects.filter(pk=pk, role=User.Role.COORDINATOR).exists()


# The first object a path names, by its shape (the more specific shapes first).
GUARDED_OBJECTS = (
    (r"^/account/users/(\d+)/", _sees_account),
    (r"^/circles/core-members/(\d+)/", _sees_core_member),
    (r"^/circles/new/(\d+)/", _sees_core_member),
    (r"^/circles/volunteers/(\d+)/", _sees_volunteer),
    (r"^/circles/cover/(\d+)/", _sees_cover),
    (r"^/circles/on-call/(\d+)/", _sees_shift),
    (r"^/circles/caseloads/(\d+)/", _sees_caseload),
    (r"^/circles/(\d+)/", _sees_circle),
    (r"^/reports/circles/(\d+)/", _sees_circle),
    (r"^/reports/core-members/(\d+)/", _sees_core_member),
    (r"^/core-members/referrals/(\d+)/", _sees_referral),
    (r"^/core-members/records/(\d+)/", _sees_record),
    (r"^/core-members/(\d+)/chronology/", _sees_chronology),
    (r"^/core-members/(\d+)/", _sees_core_member),
    (r"^/volunteers/(\d+)/", _sees_volunteer),
    (r"^/notifications/(\d+)/", _sees_notification),
    (r"^/lone-working/alerts/(\d+)/", _sees_lone_working_alert),
    (r"^/lone-working/(\d+)/", _sees_checkin),
    (r"^/volunteering/expenses/(\d+)/", _sees_claim),
    (r"^/volunteering/supervision/debriefs/(\d+)/", _sees_debrief),
)
# Patterns whose path carries digits that name no guarded object.
NO_OBJECT = {"accounts:password_reset_confirm", "reports:table_csv"}
# Rows where a user who sees the object still gets 404, and why.
SEER_404 = {
    # The matrix's document names no stored file: "file missing" for every reader.
    "core_members:referral_document",
    "documents:core_member_download",
    "documents:circle_download",
    "documents:volunteer_download",
    # The world's DBS checks have no decision, so no scan to download.
    "documents:dbs_scan",
    # The matrix's claim has no receipt: "no receipt" for every reader.
    "volunteering:claim_receipt",
}


def _seers(world, name, url):
    """The logged-in actors who see the object ``url`` names, or None if it names none."""
    if name in NO_OBJECT:
        return None
    for shape, sees in GUARDED_OBJECTS:
        match = re.match(shape, url)
        if match:
            pk = int(match.group(1))
            return {actor for actor in LOGGED_IN if sees(world.users[actor], pk)}
    assert not re.search(r"/\d+(/|\.|$)", url), (
        f"{name} ({url}) names an object the matrix does not know: add its shape to "
        "GUARDED_OBJECTS (or NO_OBJECT)"
    )
    return None


def _unseen_must_be_404(name, url, table, seers):
    """Check the row itself: 403 only for those who see the object, 404 for the rest."""
    wrong = []
    for actor in LOGGED_IN:
        for method, status in zip(("GET", "POST"), table[actor], strict=True):
            if actor in seers:
                if status == 404 and name not in SEER_404:
                    wrong.append(f"{method} {url} as {actor} (sees it): row says 404")
            elif status not in (404, 405):
                wrong.append(f"{method} {url} as {actor} (does not see it): row says {status}")
    return wrong


# Another circle's or Core Member's object, in place of the world's, for a nested kwarg.
def _other_membership(w):
    return w.objects["other_circle"].memberships.first().pk


def _other_milestone(w):
    return w.objects["other_circle"].milestones.order_by("due_on").first().pk


def _other_agreement(w):
    return w.objects["other_core_member"].sharing_agreements.get().pk


def _other_assignment(w):
    from coreMembers.models import LiaisonAssignment
    from coreMembers.services import liaison_assign

    other = w.objects["other_core_member"]
    assignment = other.liaison_assignments.first() or liaison_assign(
        core_member=other,
        liaison=w.users["liaison_unassigned"],
        role=LiaisonAssignment.Role.POLICE_PPU,
    )
    return assignment.pk


def _other_document(w):
    from coreMembers.models import ReferralDocument

    referral = w.objects["other_core_member"].referrals.get()
    document, _ = ReferralDocument.objects.get_or_create(
        referral=referral, title="Other document", defaults={"file": "referrals/other.pdf"}
    )
    return document.pk


def _other_reference(w):
    from volunteers.services import reference_record

    volunteer = w.objects["other_volunteer"]
    reference = volunteer.references.first() or reference_record(
        volunteer=volunteer,
        referee_name="Rhoda Otherreferee",
        relationship="Neighbour",
        requested_on=volunteer.applied_on,
    )
    return reference.pk


def _other_record_document(w):
    """A document on the other Core Member: no record of the world's holds it."""
    from documents.tests.matrix import _document

    return _document(w, "core_member", "other_core_member")["doc_pk"]


def _other_dbs_check(w):
    return w.objects["other_volunteer"].dbs_checks.first().pk


OTHER_NESTED = {
    "meeting_pk": lambda w: w.objects["other_meeting"].pk,
    "concern_pk": lambda w: w.objects["other_concern"].pk,
    "membership_pk": _other_membership,
    "milestone_pk": _other_milestone,
    "agreement_pk": _other_agreement,
    "assignment_pk": _other_assignment,
    "document_pk": _other_document,
    "reference_pk": _other_reference,
    "doc_pk": _other_record_document,
    "check_pk": _other_dbs_check,
}


def _url_kwarg_names(name):
    """The keyword arguments of a (namespaced) URL pattern, read from the resolver."""
    resolver = get_resolver()
    *namespaces, url_name = name.split(":")
    for namespace in namespaces:
        resolver = resolver.namespace_dict[namespace][1]
    possibilities = resolver.reverse_dict.getlist(url_name)[0][0]
    return set(possibilities[0][1])


NESTED_ROWS = sorted(name for name in MATRIX if _url_kwarg_names(name) & set(OTHER_NESTED))


@pytest.mark.django_db
def test_every_url_pattern_is_classified():
    names = [name for name in all_url_names() if not name.startswith("admin:")]
    unclassified = sorted(set(names) - set(MATRIX))
    assert not unclassified, f"URL patterns missing from the permission matrix: {unclassified}"
    stale = sorted(set(MATRIX) - set(names))
    assert not stale, f"matrix rows for URL patterns that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(client, matrix_world, log_in, name):
    world = matrix_world
    kwargs_for, table = MATRIX[name]
    url = reverse(name, kwargs=kwargs_for(world))
    assert set(table) == set(ACTORS), name
    seers = _seers(world, name, url)
    failures = [] if seers is None else _unseen_must_be_404(name, url, table, seers)
    for actor, (get_status, post_status) in table.items():
        for method, wanted in (("get", get_status), ("post", post_status)):
            log_in(actor)
            response = _request(client, method, url)
            if response.status_code != wanted:
                failures.append(
                    f"{method.upper()} {url} as {actor}: {response.status_code} != {wanted}"
                )
            if actor in LOGGED_OUT and response.status_code == 302:
                assert "/login/" in response["Location"], (name, actor)
    assert not failures, "\n".join(failures)


def _nested_other_kwargs(world, name):
    """The row's kwargs with each nested object swapped for another circle's or Core
    Member's; None when the row names no nested object."""
    kwargs = MATRIX[name][0](world)
    swapped = {key: OTHER_NESTED[key](world) for key in kwargs if key in OTHER_NESTED}
    return {**kwargs, **swapped} if swapped else None


def test_nested_rows_are_found():
    """The nested-object test below covers every pattern with a nested object kwarg."""
    assert set(NESTED_ROWS) >= {
        "circles:note_write",
        "circles:concern_triage",
        "circles:membership_end",
        "circles:review",
        "core_members:liaison_end",
        "core_members:agreement_withdraw",
        "core_members:referral_document",
        "volunteers:reference_edit",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", NESTED_ROWS)
def test_another_objects_nested_object_is_not_found(client, matrix_world, log_in, name):
    """``/circles/A/meetings/<B's meeting>/...``: 404 to every actor who sees A, even one
    who may see but not change it (the nested object is looked up before the role)."""
    world = matrix_world
    _, table = MATRIX[name]
    failures = []
    with transaction.atomic():
        kwargs = _nested_other_kwargs(world, name)
        assert kwargs is not None, name
        url = reverse(name, kwargs=kwargs)
        seers = _seers(world, name, reverse(name, kwargs=MATRIX[name][0](world)))
        for actor in sorted(seers or ()):
            for method, listed in zip(("get", "post"), table[actor], strict=True):
                wanted = 405 if listed == 405 else 404
                log_in(actor)
                response = _request(client, method, url)
                if response.status_code != wanted:
                    failures.append(
                        f"{method.upper()} {url} as {actor}: {response.status_code} != {wanted}"
                    )
        transaction.set_rollback(True)
    assert seers, f"{name}: nobody sees the object, so nothing was checked"
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_admin_patterns_refuse_everyone_but_managers(client, log_in):
    """Every admin URL pattern: non-managers are sent to a login page, never served."""
    checked = 0
    patterns = [(name, path) for name, path in all_url_patterns() if name.startswith("admin:")]
    assert len(patterns) > 50
    for name, path in patterns:
        for actor in ACTORS:
            if actor == "manager":
                continue
            log_in(actor)
            response = _request(client, "get", path)
            checked += 1
            assert b"Zebediah" not in response.content, (name, actor)
            if name in ADMIN_OPEN:
                assert response.status_code in ADMIN_OPEN[name], (name, actor)
                continue
            assert response.status_code == 302, (name, path, actor, response.status_code)
            assert "/login/" in response["Location"], (name, actor, response["Location"])
        log_in("manager")
        response = _request(client, "get", path)
        checked += 1
        assert response.status_code in (200, 302, 403, 404, 405), (name, path, response.status_code)
    print(f"\nadmin patterns: {checked} cases over {len(patterns)} patterns")
