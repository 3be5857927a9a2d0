"""Small pieces every app's views share."""

import csv
import functools
import sys

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, Subquery, Window
from django.http import HttpResponse, HttpResponseServerError, StreamingHttpResponse
from django.template import loader

PAGE_SIZE = 25


def roles_required(*roles):
    """Refuse (403) a page that no user of this role ever uses."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied("This page is not for your role.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class _CountOf(Subquery):
    """How many rows a queryset has, as a column of another query. It refers to no outer
    row, so the database runs it once for the whole query, not once per row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def _count_of(queryset):
    """``queryset``'s count as a column (``_CountOf``), without the joins that only bring
    the rows' related objects (the database keeps an inner join, used or not)."""
    counted = queryset.order_by()
    if counted.query.select_related:
        counted = counted.select_related(None)
    return _CountOf(counted)


def first_rows_and_count(queryset, limit, *, count_apart=False):
    """The first ``limit`` rows of ``queryset`` and how many rows it has, in one query.

    By default ``COUNT(*) OVER ()`` rides along with the rows instead of a second
    ``COUNT`` query that plans and runs the same filters again: right when the filters
    are the costly part (every row must be tested to count it anyway).

    ``count_apart``: the count is a scalar subquery of the filters alone, run once (an
    InitPlan), while the rows are read in order straight off an index and stop at
    ``limit``. Right when an index has the list's order and the rows bring joins: a
    window makes the database join every matching row only to count it (the raised
    concerns across the service: 8 ms, against well under one this way).
    """
    if not count_apart:
        rows = list(queryset.annotate(rows_in_all=Window(Count("pk")))[:limit])
        return rows, rows[0].rows_in_all if rows else 0
    rows = list(queryset.annotate(rows_in_all=_count_of(queryset))[:limit])
    return rows, rows[0].rows_in_all if rows else 0


def posted(request, *, files=False):
    """What to bind a form to: the POST (or its files) on every POST, even an empty one,
    so a missing field is an error rather than an unbound form; None on a GET."""
    if request.method != "POST":
        return None
    return request.FILES if files else request.POST


def paginate(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def paginate_counted(request, queryset, *fields, per_page=PAGE_SIZE, count_apart=False):
    """``paginate`` in one query: the page's rows carry the count of all rows instead of
    a COUNT query of their own before them. ``fields``: read only these, as tuples
    (``values_list``); otherwise model instances (or a ``values()`` queryset's dicts).

    The count is ``COUNT(*) OVER ()`` by default: right when the filters are the costly
    part, which a second COUNT would run again (the matching pool). ``count_apart``: the
    same COUNT asked inside the rows' query, run once (``_CountOf``): right for a long
    list, where a window holds every matching row to count them (the audit trail: 570
    ms against 200 on a million rows). A union takes no annotation, a page number below
    1 is no page, and a page past the end has no row to carry the count: those are
    paginated as ``paginate`` does.
    """
    listed = queryset.values_list(*fields) if fields else queryset
    try:
        number = int(request.GET.get("page") or 1)
    except (TypeError, ValueError):
        number = 1
    if queryset.query.combinator or number < 1:
        return paginate(request, listed, per_page)
    bottom = (number - 1) * per_page
    count = _count_of(queryset) if count_apart else Window(Count("pk"))
    counted = queryset.annotate(rows_in_all=count)
    if fields:
        counted = counted.values_list(*fields, "rows_in_all")
    rows = list(counted[bottom : bottom + per_page])
    if not rows and number > 1:
        return paginate(request, listed, per_page)
    paginator = Paginator(listed, per_page)
    if not rows:
        paginator.count = 0
    elif fields:
        paginator.count = rows[0][-1]
        rows = [row[:-1] for row in rows]
    elif isinstance(rows[0], dict):  # a values() queryset
        paginator.count = rows[0]["rows_in_all"]
    else:
        paginator.count = rows[0].rows_in_all
    return Page(rows, number, paginator)


# A cell starting with one of these is read as a formula by some spreadsheet: "="
# "+" "-" "@" everywhere, ";" and "|" (DDE) in locales that separate arguments or
# fields with them; a leading tab or CR hides the others from a naive check.
FORMULA_PREFIXES = ("=", "+", "-", "@", ";", "|", "\t", "\r", "\n")


def csv_safe(value):
    """Neutralise spreadsheet formula injection in a CSV cell (a leading apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_response(filename, header, rows):
    """Every CSV download goes through here: guarded and quoted cells.

    UTF-8 with a byte-order mark, so spreadsheets open it correctly. Every cell is
    quoted (QUOTE_ALL), so a separator or line break inside a value never starts a
    new cell or row, whatever separator the reader's locale expects.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, quoting=csv.QUOTE_ALL)
    writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return response


class _Line:
    """A csv writer's file that hands back each row it is given, for streaming."""

    def write(self, value):
        return value


def csv_streaming_response(filename, header, rows):
    """``csv_response`` for an export too long to hold in memory: the same guarded,
    quoted cells, written row by row as the client reads them."""
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL)

    def lines():
        yield "\ufeff" + writer.writerow([csv_safe(cell) for cell in header])
        for row in rows:
            yield writer.writerow([csv_safe(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def add_service_errors(form, error):
    """Show a service's ValidationError on the form: on the field it names, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def server_error(request):
    """The branded 500 page, rendered with no context processor, session or database.

    A database error raised outside a view (while loading the session, say) lands
    here too: it gets the 503 "try again in a moment" page instead.
    """
    from cosa.middleware import DATABASE_ERRORS, database_unavailable_response

    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response(request)
    return HttpResponseServerError(loader.get_template("500.html").render())
