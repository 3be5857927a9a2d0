"""Admin pieces every app shares: the guard every admin has, and rows it may never write.

Every admin on the site has ``AdminGuardMixin`` outermost: the project's admins by
deriving from ``CosaModelAdmin`` or ``CosaHistoryAdmin``, any other admin because
the site (``accounts.admin_site.CosaAdminSite``) mixes the guard in when it is registered.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from accounts.audit import log_access
from accounts.models import AccessLog

# The apps whose foreign keys lead from a row to the Core Member it is about.
CASE_APPS = ("circles", "core_members", "volunteers", "sharing", "outcomes", "privacy")
# Enough hops for the deepest row: observation -> minutes -> meeting -> circle.
CORE_MEMBER_HOPS = 4


class AdminGuardMixin:
    """Writes only with the write permission; every page showing a row is a logged read.

    Django's own admin views check the add, change and delete permissions, but
    simple-history's history form ("revert") saves a POST from anyone who may merely
    view the row: it builds the form without asking for the change permission. So a
    view-only manager could revert a user to ``is_superuser=on`` or rewrite minutes.
    Here a write needs the change permission on every view, whichever package
    provides it.

    Pages that show a row (change, history, an old version, the delete confirmation,
    the list) write a row to the access log, as the application's own pages do,
    unless ``access_logged`` is False: rows holding no Core Member's, volunteer's or
    circle's data.
    """

    access_logged = True

    # Writes ----------------------------------------------------------------------------------

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if not self.has_change_permission(request, obj):
                raise PermissionDenied("Reverting needs the permission to change the row.")
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if request.method != "POST" and response.status_code == 200:
            old = self._version(object_id, version_id)
            self._log_read(request, old, f"admin old version {version_id}")
        return response

    def history_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("The history is read-only.")
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            self._log_read(request, self._object(request, object_id), "admin history")
        return response

    def changelist_view(self, request, extra_context=None):
        # A POST to the list runs an action or saves list-editable rows: both are writes.
        if request.method == "POST" and not (
            self.has_change_permission(request) or self.has_delete_permission(request)
        ):
            raise PermissionDenied("The list is read-only.")
        response = super().changelist_view(request, extra_context)
        if self.access_logged and request.method != "POST" and response.status_code == 200:
            detail = f"admin {self.opts.label_lower}"
            query = request.GET.get("q", "")
            if query:
                log_access(request, AccessLog.Action.SEARCH, detail=f"{detail}: {query}")
            else:
                log_access(request, AccessLog.Action.LIST, detail=detail)
        return response

    # Reads -----------------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method != "POST" and response.status_code == 200:
            self._log_read(request, self._object(request, object_id), "admin change page")
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        if request.method != "POST" and response.status_code == 200:
            self._log_read(request, self._object(request, object_id), "admin delete confirmation")
        return response

    def _log_read(self, request, obj, detail):
        if self.access_logged and obj is not None:
            log_access(
                request,
                AccessLog.Action.VIEW,
                obj,
                core_member_id=core_member_id_of(obj),
                detail=detail,
            )

    def _object(self, request, object_id):
        """The row, or for a deleted one its last version (the history still shows it)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None and hasattr(self.model._meta, "simple_history_manager_attribute"):
            history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
            last = history.filter(**{self.opts.pk.attname: unquote(object_id)}).first()
            obj = last.instance if last is not None else None
        return obj

    def _version(self, object_id, version_id):
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        version = history.filter(
            **{self.opts.pk.attname: unquote(object_id), "history_id": version_id}
        ).first()
        return version.instance if version is not None else None


# The views the guard must be outermost on (``accounts.admin_site`` checks at registration).
GUARDED_VIEWS = (
    "history_form_view",
    "history_view",
    "changelist_view",
    "change_view",
    "delete_view",
)


def core_member_id_of(obj):
    """The Core Member a row is about, found along its foreign keys; None if none.

    So an admin read of, say, a meeting's observation is in that Core Member's access
    history and subject-access export, as the application's own reads are.
    """
    core_member_model = apps.get_model("core_members", "CoreMember")
    rows = [obj]
    for _ in range(CORE_MEMBER_HOPS):
        if not rows:
            break
        for row in rows:
            if isinstance(row, core_member_model):
                return row.pk
            for field in _forward_keys(row):
                if field.related_model is core_member_model and getattr(row, field.attname):
                    return getattr(row, field.attname)
        rows = [
            related
            for row in rows
            for field in _forward_keys(row)
            if field.related_model._meta.app_label in CASE_APPS
            and (related := getattr(row, field.name)) is not None
        ]
    return None


def _forward_keys(row):
    return [f for f in row._meta.concrete_fields if f.many_to_one or f.one_to_one]


class CosaModelAdmin(AdminGuardMixin, admin.ModelAdmin):
    """The base of every project admin without history."""


class CosaHistoryAdmin(AdminGuardMixin, SimpleHistoryAdmin):
    """The base of every project admin of a model with history."""


class NoAddOrChangeAdminMixin:
    """Rows written only by services or tasks: the admin lists and shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin(NoAddOrChangeAdminMixin):
    """Append-only or immutable rows: not even deleted through the admin."""

    def has_delete_permission(self, request, obj=None):
        return False
