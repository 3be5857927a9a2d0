"""Admin pieces every app shares: rows the admin may show but never write."""


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
