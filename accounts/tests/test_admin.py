"""The admin site: every model is there for managers, and nobody else gets in.

Left out on purpose: simple-history's ``Historical*`` tables (each model's admin
shows its history), auto-created many-to-many tables, and guardian's
object-permission tables (grants are given and removed only by services).
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import User
from accounts.services import user_create, user_deactivate
from accounts.tests.factories import (
    AgencyFactory,
    CoordinatorFactory,
    LiaisonFactory,
    VolunteerUserFactory,
)
from cosa.tests.admin_support import make_manager, make_rows

pytestmark = pytest.mark.django_db

PROJECT_APPS = (
    "accounts",
    "volunteers",
    "core_members",
    "circles",
    "sharing",
    "outcomes",
    "privacy",
    "reports",
)
# Session, two-factor device, permissions, count, page, filters: measured 13 to 16.
MAX_CHANGELIST_QUERIES = 16
# Changelists whose query count grows with the rows shown, and why. Fixing one makes
# the growth test fail until it is taken off this list.
KNOWN_N_PLUS_ONE = {}


def project_models():
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.auto_created:
                continue
            if model.__name__.startswith("Historical") and hasattr(model, "instance_type"):
                continue
            if issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase):
                continue
            yield model


def registered_project_models():
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS),
        key=lambda m: m._meta.label,
    )


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_page(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def rows(db):
    return make_rows()


# Registration ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [pytest.param(m, id=m._meta.label) for m in project_models()])
def test_every_project_model_is_registered_in_the_admin(model):
    assert admin.site.is_registered(model)


def test_no_object_permission_table_is_in_the_admin():
    """Grants come from services only; the admin must not be a way round them."""
    for model in admin.site._registry:
        assert not issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase), model


# Managers ----------------------------------------------------------------------------------


def test_a_manager_is_staff_and_may_view_every_project_model():
    manager = make_manager()
    assert manager.is_staff
    for model in registered_project_models():
        assert manager.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"), model


def test_a_manager_opens_the_admin_index(client):
    client.force_login(make_manager())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    shown = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {m.__name__ for m in registered_project_models()} <= shown


def test_a_manager_opens_every_changelist_and_change_page(client, rows):
    client.force_login(make_manager())
    assert registered_project_models()
    for model in registered_project_models():
        response = client.get(changelist(model))
        assert response.status_code == 200, model
        obj = model._default_manager.first()
        if obj is None:  # e.g. the manager's own rows only appear after login
            continue
        assert response.context["cl"].result_count >= 1, model
        assert client.get(change_page(obj)).status_code == 200, model


def data_queries(captured):
    """Queries that read or write data: savepoints come and go with the session save."""
    return [q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_changelist_queries_do_not_grow_with_rows(client, rows):
    client.force_login(make_manager())
    client.get(reverse("admin:index"))

    def measure():
        counts = {}
        for model in registered_project_models():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(changelist(model)).status_code == 200
            counts[model._meta.label] = len(data_queries(captured.captured_queries))
        return counts

    before = measure()
    make_rows()
    make_rows()
    after = measure()

    grown = {label for label in before if after[label] > before[label]}
    assert grown == set(KNOWN_N_PLUS_ONE), (before, after)
    assert max(before.values()) <= MAX_CHANGELIST_QUERIES, before


def test_a_manager_reads_a_circles_history(client, rows):
    client.force_login(make_manager())
    url = reverse("admin:circles_circle_history", args=[rows.pk])
    assert client.get(url).status_code == 200


def test_the_admin_is_read_only_for_a_manager(client, rows):
    """State changes and grants go through services, never round them."""
    manager = make_manager()
    client.force_login(manager)
    meeting = rows.meetings.filter(status="SCHEDULED").first()
    response = client.post(change_page(meeting), {"status": "HELD"})
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == "SCHEDULED"
    for model in registered_project_models():
        label = f"{model._meta.app_label}.{{}}_{model._meta.model_name}"
        assert not manager.has_perm(label.format("delete")), model


def test_a_deactivated_manager_is_locked_out_of_the_admin(client):
    manager = make_manager()
    user_deactivate(user=manager)
    manager = User.objects.get(pk=manager.pk)
    assert not manager.has_perm("circles.view_circle")
    client.force_login(manager)
    response = client.get(changelist(User))
    assert response.status_code in (302, 403)


# Everybody else ----------------------------------------------------------------------------


@pytest.fixture(params=["coordinator", "volunteer", "liaison"])
def non_manager(request, db):
    make = {
        "coordinator": CoordinatorFactory,
        "volunteer": VolunteerUserFactory,
        "liaison": LiaisonFactory,
    }[request.param]
    return make()


def test_staff_flag_is_for_managers_only():
    for role in ("COORDINATOR", "VOLUNTEER", "LIAISON"):
        user = user_create(
            email=f"{role.lower()}@example.org",
            first_name="Pat",
            last_name="Example",
            role=role,
            agency=AgencyFactory() if role == "LIAISON" else None,
        )
        assert not user.is_staff
        assert not user.groups.exists()


def test_nobody_else_reaches_the_admin(client, rows, non_manager):
    client.force_login(non_manager)
    login = reverse("admin:login")
    for url in [reverse("admin:index"), *(changelist(m) for m in registered_project_models())]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(login), url


def test_the_field_limited_pages_never_reach_anyone_else(client, rows, non_manager):
    """Even with the staff flag set by mistake, no change page or list opens."""
    User.objects.filter(pk=non_manager.pk).update(is_staff=True)
    client.force_login(User.objects.get(pk=non_manager.pk))
    core_member = rows.core_member
    core_member.offence_summary = "Quixotic offence summary"
    core_member.pnc_reference = "PNC-Marmalade"
    core_member.save(update_fields=["offence_summary", "pnc_reference"])
    for url in [
        changelist(type(core_member)),
        change_page(core_member),
        changelist(type(rows)),
        change_page(rows),
        reverse("admin:core_members_riskassessment_changelist"),
        reverse("admin:volunteers_supervisionsession_changelist"),
        reverse("admin:circles_meetingnote_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"Quixotic" not in response.content
        assert b"Marmalade" not in response.content


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/login/" in response.url


def test_the_admin_autocomplete_searches_nothing(client):
    """Django's autocomplete view would list Core Members or users by name to a manager,
    outside the access log; no admin uses autocomplete fields, so the site refuses it."""
    from coreMembers.tests.factories import CoreMemberFactory

    CoreMemberFactory(first_name="Kevin")
    client.force_login(make_manager())
    for model, field in (("circle", "core_member"), ("volunteer", "user")):
        app = "circles" if model == "circle" else "volunteers"
        response = client.get(
            "/admin/autocomplete/",
            {"app_label": app, "model_name": model, "field_name": field, "term": "Kev"},
        )
        assert response.status_code == 404
        assert b"Kevin" not in response.content
