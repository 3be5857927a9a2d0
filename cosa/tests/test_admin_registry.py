"""Every admin on the site, attacked by a view-only manager, and every read of it logged.

Walks ``admin.site._registry`` (every model, the project's and the installed
packages'), so a model registered later is attacked and audited the day it is
registered. One row of every model exists (``one_of_each``); each test is
parametrized by model, so a failure names it.

The manager is made the way production makes one (``user_create``): staff, in the
Managers group, which holds the plain ``view_<model>`` permissions and nothing else.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_base import AdminGuardMixin, CosaHistoryAdmin
from accounts.admin_site import CosaAdminSite
from accounts.models import AccessLog, User
from circles.models import MeetingNote, MeetingObservation
from coreMembers.models import CoreMember, ReferralDocument
from cosa.tests.admin_support import (
    REWRITTEN,
    a_row,
    admin_urls,
    changed_rows,
    latest_version_id,
    make_manager,
    model_param_ids,
    one_of_each,
    registered_models,
    rewrite_payload,
    snapshot,
)
from cosa.tests.module_data import built_once, fresh_copy
from sharing.models import InformationSharingRecord

pytestmark = pytest.mark.django_db

# The admin's read-only pages; every other URL of a model admin is a way to write.
READ_PAGES = ("changelist", "change", "history", "simple_history")
# Rows that hold no Core Member's, volunteer's or circle's data: their admin pages
# are not access-logged. The access log itself is left out so that reviewing it
# does not bury the entries under review; the rest are an organisation, the sweep's
# own bookkeeping, and whether a second-factor device exists.
NOT_CASE_DATA = {
    "accounts.AccessLog",
    "accounts.Agency",
    "accounts.ThrottleEvent",
    "circles.SweepRun",
    "otp_static.StaticDevice",
    "otp_totp.TOTPDevice",
}
PROJECT_APPS = (
    "accounts",
    "circles",
    "core_members",
    "volunteers",
    "sharing",
    "outcomes",
    "privacy",
    "reports",
)


@pytest.fixture(scope="module")
def rows_of_every_model(django_db_setup, django_db_blocker):
    """``one_of_each()``, built once for the module and rolled back after its last test;
    each test's writes are rolled back with its own transaction (cosa/tests/module_data.py).
    The module's tests that do not take it read no rows."""
    yield from built_once(django_db_blocker, one_of_each)


@pytest.fixture
def world(rows_of_every_model, db):
    return fresh_copy(rows_of_every_model)


@pytest.fixture
def manager_client(client, world):
    manager = make_manager()
    client.force_login(manager)
    client.manager = manager
    return client


def pages(model, urls):
    """The model admin's URLs by page: ``changelist``, ``change``, ``simple_history``...

    A URL not named after the model (the user admin's ``auth_user_password_change``)
    keeps its full name.
    """
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    return {name.removeprefix(prefix): url for name, url in urls.items()}


def may_view(user, model):
    return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


# The site ----------------------------------------------------------------------------------


def test_the_site_is_the_guarded_one():

    assert isinstance(admin.site, CosaAdminSite)


@pytest.mark.parametrize("model", model_param_ids(registered_models()))
def test_every_admin_is_guarded(model):

    assert isinstance(admin.site._registry[model], AdminGuardMixin)


def test_the_site_guards_an_admin_registered_without_the_base():
    """A future admin that forgets the base class still gets the guard."""

    site = CosaAdminSite(name="scratch")
    site.register(MeetingNote, SimpleHistoryAdmin)
    model_admin = site._registry[MeetingNote]
    assert isinstance(model_admin, AdminGuardMixin)
    assert type(model_admin).history_form_view is AdminGuardMixin.history_form_view


def test_the_site_refuses_an_admin_that_overrides_the_guard():

    class Careless(CosaHistoryAdmin):
        def history_form_view(self, request, object_id, version_id, extra_context=None):
            return SimpleHistoryAdmin.history_form_view(
                self, request, object_id, version_id, extra_context
            )

    site = CosaAdminSite(name="scratch")
    with pytest.raises(ImproperlyConfigured, match="history_form_view"):
        site.register(MeetingNote, Careless)


def test_a_plain_admin_site_would_not_guard_it():
    """The wrapping is the site's doing, not simple-history's or Django's."""

    site = AdminSite(name="plain")
    site.register(MeetingNote, SimpleHistoryAdmin)
    assert not isinstance(site._registry[MeetingNote], AdminGuardMixin)


# Every write refused -------------------------------------------------------------------------


@pytest.mark.parametrize("model", model_param_ids(registered_models()))
def test_a_view_only_manager_writes_nothing_through_any_admin_url(manager_client, model):
    manager = manager_client.manager
    obj = a_row(model)
    version_id = latest_version_id(obj)
    urls = pages(model, admin_urls(model, obj, version_id))
    assert {"changelist", "add", "change", "delete", "history"} <= set(urls)
    if isinstance(admin.site._registry[model], SimpleHistoryAdmin):
        assert "simple_history" in urls, "no history-revert URL found"
    payload = rewrite_payload(model, obj, manager)
    before = snapshot()

    for kind, url in urls.items():
        for address in ("192.0.2.10", "198.51.100.20"):
            response = manager_client.get(url, REMOTE_ADDR=address)
            if kind in READ_PAGES and may_view(manager, model):
                assert response.status_code == 200, (kind, "GET")
            else:
                assert response.status_code == 403, (kind, "GET")
            if kind == "changelist":
                attempts = [
                    {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
                    {**payload, "_save": "Save", "form-TOTAL_FORMS": "0"},
                ]
            elif kind == "delete":
                attempts = [{"post": "yes"}]
            else:
                attempts = [{**payload, "_save": "Save"}]
            for data in attempts:
                response = manager_client.post(url, data, REMOTE_ADDR=address)
                assert response.status_code == 403, (kind, "POST", response.status_code)

    after = snapshot()
    # Refusals and reads are logged: the access log may grow, never change.
    assert changed_rows(before, after, may_grow={"accounts.AccessLog"}) == []
    assert not User.objects.filter(is_superuser=True).exists()
    manager.refresh_from_db()
    assert not manager.is_superuser
    assert list(manager.groups.values_list("name", flat=True)) == ["Managers"]


def test_the_history_form_does_not_make_a_manager_superuser(manager_client):
    manager = manager_client.manager
    url = reverse(
        "admin:accounts_user_simple_history", args=[manager.pk, latest_version_id(manager)]
    )
    payload = rewrite_payload(User, manager, manager)
    assert payload["is_superuser"] == ["on"]
    response = manager_client.post(url, {**payload, "_save": "Save"})
    assert response.status_code == 403
    manager.refresh_from_db()
    assert not manager.is_superuser
    assert not User.objects.filter(is_superuser=True).exists()


def test_the_history_form_does_not_rewrite_minutes(manager_client):
    note = a_row(MeetingNote)
    summary = note.summary
    url = reverse(
        "admin:circles_meetingnote_simple_history", args=[note.pk, latest_version_id(note)]
    )
    payload = rewrite_payload(MeetingNote, note, manager_client.manager)
    assert payload["summary"][0].endswith(REWRITTEN)
    response = manager_client.post(url, {**payload, "_save": "Save"})
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.summary == summary


def test_a_superuser_may_still_revert_a_row_they_may_change(client, world):
    """The guard asks for the change permission; it does not switch reverting off."""
    superuser = User.objects.create_superuser(
        email="root@example.org", password="root-password-123", first_name="R", last_name="Oot"
    )
    client.force_login(superuser)
    note = a_row(MeetingNote)
    url = reverse(
        "admin:circles_meetingnote_simple_history", args=[note.pk, latest_version_id(note)]
    )
    payload = rewrite_payload(MeetingNote, note, superuser)
    response = client.post(url, {**payload, "_save": "Save"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.summary.endswith(REWRITTEN)


def test_shared_records_are_not_reverted_even_by_a_superuser(client, world):
    superuser = User.objects.create_superuser(
        email="root@example.org", password="root-password-123", first_name="R", last_name="Oot"
    )
    client.force_login(superuser)
    record = a_row(InformationSharingRecord)
    url = reverse(
        "admin:sharing_informationsharingrecord_simple_history",
        args=[record.pk, latest_version_id(record)],
    )
    payload = rewrite_payload(InformationSharingRecord, record, superuser)
    summary = record.summary
    assert client.post(url, {**payload, "_save": "Save"}).status_code == 403
    record.refresh_from_db()
    assert record.summary == summary


# Every read logged -------------------------------------------------------------------------------


def case_data_models():
    return [
        m
        for m in registered_models()
        if m._meta.app_label in PROJECT_APPS and m._meta.label not in NOT_CASE_DATA
    ]


def test_only_the_listed_models_are_left_out_of_the_access_log():
    left_out = {
        m._meta.label
        for m, model_admin in admin.site._registry.items()
        if not model_admin.access_logged
    }
    assert left_out == NOT_CASE_DATA


def test_the_models_without_case_data_are_registered():
    """A stale entry here would hide a renamed model from the logging test."""
    assert {m._meta.label for m in registered_models()} >= NOT_CASE_DATA


def test_the_packages_admins_are_closed_to_managers(manager_client):
    """Groups (the only one today) are not case data, and a manager cannot open them."""
    for model in registered_models():
        if model._meta.app_label not in PROJECT_APPS:
            assert not may_view(manager_client.manager, model), model


@pytest.mark.parametrize("model", model_param_ids(case_data_models()))
def test_every_admin_page_showing_a_row_is_in_the_access_log(manager_client, model):
    manager = manager_client.manager
    obj = a_row(model)
    urls = pages(model, admin_urls(model, obj, latest_version_id(obj)))
    expected = {"change": "admin change page", "history": "admin history"}
    if "simple_history" in urls:
        expected["simple_history"] = f"admin old version {latest_version_id(obj)}"
    for kind, detail in expected.items():
        seen = set(AccessLog.objects.values_list("pk", flat=True))
        assert manager_client.get(urls[kind], REMOTE_ADDR="192.0.2.30").status_code == 200
        rows = AccessLog.objects.exclude(pk__in=seen)
        assert [(r.user, r.action, r.object_type, r.object_id, r.detail) for r in rows] == [
            (manager, AccessLog.Action.VIEW, obj._meta.label_lower, str(obj.pk), detail)
        ], kind
        assert rows[0].ip_address == "192.0.2.30"

    seen = set(AccessLog.objects.values_list("pk", flat=True))
    assert manager_client.get(urls["changelist"]).status_code == 200
    assert manager_client.get(urls["changelist"], {"q": "Zebediah"}).status_code == 200
    rows = list(AccessLog.objects.exclude(pk__in=seen).order_by("pk"))
    assert [(r.action, r.detail) for r in rows] == [
        (AccessLog.Action.LIST, f"admin {obj._meta.label_lower}"),
        (AccessLog.Action.SEARCH, f"admin {obj._meta.label_lower}: Zebediah"),
    ]


# Rows about a Core Member are found in that Core Member's access history.
ABOUT_A_CORE_MEMBER = [
    m
    for m in case_data_models()
    if m._meta.app_label in ("circles", "core_members")
    # Cover and the on-call rota are about staff, never about one Core Member.
    and m._meta.label
    not in ("circles.Reminder", "core_members.ErasureLog", "circles.Cover", "circles.OnCallShift")
]


@pytest.mark.parametrize("model", model_param_ids(ABOUT_A_CORE_MEMBER))
def test_an_admin_read_is_in_the_core_members_access_history(manager_client, model):
    obj = a_row(model)
    manager_client.get(pages(model, admin_urls(model, obj, None))["change"])
    row = AccessLog.objects.get(user=manager_client.manager, detail="admin change page")
    assert row.core_member_id is not None
    assert CoreMember.objects.filter(pk=row.core_member_id).exists()


def test_a_deep_row_names_its_core_member(manager_client):
    observation = MeetingObservation.objects.first()
    document = ReferralDocument.objects.first()
    for obj, core_member_id in [
        (observation, observation.note.meeting.circle.core_member_id),
        (document, document.referral.core_member_id),
    ]:
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        manager_client.get(url)
        row = AccessLog.objects.filter(object_type=meta.label_lower).latest("pk")
        assert row.core_member_id == core_member_id


def test_a_refused_page_is_not_logged_as_a_read(manager_client):
    obj = CoreMember.objects.first()
    url = reverse("admin:core_members_coremember_delete", args=[obj.pk])
    assert manager_client.get(url).status_code == 403
    mine = AccessLog.objects.filter(user=manager_client.manager)
    assert not mine.filter(action=AccessLog.Action.VIEW).exists()
    assert mine.filter(action=AccessLog.Action.REFUSED).exists()
