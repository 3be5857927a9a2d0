"""The reports' PDF and Word documents: contexts without volunteer names, built-in templates.

The Word context is the report's plain data (``cosa.documents.plain``) less the chart's
coordinates: the same keys for the built-in template and an organisation's own (README
"Report templates" lists them). No context names a volunteer.
"""

import datetime
import functools

from django.template.loader import render_to_string

from circles.risk import chart
from cosa import documents
from reports.meeting_report import MARKING, Kind
from reports.models import ReportTemplate
from reports.risk_picture import WIDTH_MM as PICTURE_WIDTH_MM
from reports.risk_picture import risk_chart_alt_text, risk_chart_png

_ATTENDANCE = (
    "Meetings held: {{ attendance.held }}; attended: {{ attendance.attended }} "
    "(late {{ attendance.late }}); missed: {{ attendance.missed }}; "
    "cancelled: {{ attendance.cancelled }}."
)

MEETING_REPORT_LINES = [
    "# {{ title }}",
    "{{ core_member.reference }} {{ core_member.name }}. Period: {{ period.label }}.",
    "MAPPA category {{ core_member.mappa_category or 'not recorded' }}, "
    "level {{ core_member.mappa_level or 'not recorded' }}. Generated {{ generated_at }}.",
    "{%p if circle %}",
    "Circle: {{ circle.name }} ({{ circle.status }}), coordinator {{ circle.coordinator }}, "
    "meeting {{ circle.frequency }}.",
    "{%p endif %}",
    "{%p for liaison in liaisons %}",
    "{{ liaison.role }}: {{ liaison.name }}, {{ liaison.agency }}",
    "{%p endfor %}",
    "## Coordinator's summary",
    "{{ summary or 'No summary written.' }}",
    "## Attendance",
    _ATTENDANCE,
    "## Dynamic-risk ratings",
    "0 none, 1 some, 2 marked, 3 serious concern: first, last and highest in the period.",
    "{{ risk_chart }}",
    "{%p for i in risk.indicators %}",
    "{{ i.label }}: {% if i.observed %}first {{ i.first }}, last {{ i.last }}, "
    "highest {{ i.highest }} ({{ i.movement }}){% else %}not rated{% endif %}",
    "{%p endfor %}",
    "## Concerns",
    "{%p for c in concerns %}",
    "{{ c.raised_on }}: {{ c.severity }} {{ c.category }} ({{ c.status }}). {{ c.description }}"
    "{% if c.shared %} Shared: {{ c.shared_summary }}{% endif %}",
    "{%p endfor %}",
    "{%p if not concerns %}",
    "None raised in the period.",
    "{%p endif %}",
    "## Shared with the outer circle",
    "{%p for r in records %}",
    "{{ r.shared_on }}: {{ r.urgency }}, {{ r.summary }} "
    "({{ r.acknowledged }} of {{ r.recipients }} acknowledged)",
    "{%p endfor %}",
    "{%p if not records %}",
    "Nothing shared in the period.",
    "{%p endif %}",
    "## Covenant goals and progress",
    "{%p if covenant %}",
    "Covenant version {{ covenant.version }}, agreed {{ covenant.agreed_on }} "
    "(meetings {{ covenant.frequency }}).",
    "{%p for goal in covenant.goals %}",
    "• {{ goal }}",
    "{%p endfor %}",
    "{%p endif %}",
    "{%p for review in reviews %}",
    "{{ review.kind }} held {{ review.completed_on }}: {{ review.decision }}. "
    "{{ review.progress_notes }}",
    "{%p endfor %}",
    "## Next review",
    "{% if next_review %}{{ next_review.kind }}, due {{ next_review.due_on }}"
    "{% else %}None scheduled.{% endif %}",
    "## The circle's volunteers",
    "{%p for v in volunteers %}",
    "{{ v.name }} ({{ v.role }})",
    "{%p endfor %}",
]

CIRCLE_END_LINES = [
    "# {{ title }}",
    "{{ circle.name }}: Core Member {{ core_member.reference }} {{ core_member.name }}.",
    "Coordinator {{ circle.coordinator }}. Launched {{ circle.launched_on or 'not launched' }};"
    " ended {{ circle.ended_on or 'not yet' }} {{ circle.end_reason }}.",
    "Period reported: {{ period.label }}.",
    "{{ circle.outcome_notes }}",
    "## Volunteers",
    "{%p for v in volunteers %}",
    "{{ v.name }} ({{ v.role }}): joined {{ v.joined_on }}, left {{ v.left_on or '—' }}",
    "{%p endfor %}",
    "## Reviews",
    "{%p for m in milestones %}",
    "{{ m.kind }}: due {{ m.due_on }}, held {{ m.completed_on or '—' }}, {{ m.decision or '—' }}",
    "{%p endfor %}",
    "{%p for t in tables %}",
    "## {{ t.title }}",
    "{%p for row in t.rows %}",
    "{{ row | join(': ') }}",
    "{%p endfor %}",
    "{%p endfor %}",
]


def report_template_current(kind):
    """The uploaded template in use for ``kind``, or None for the built-in one."""
    return (
        ReportTemplate.objects.filter(kind=kind, retired_at__isnull=True)
        .order_by("-uploaded_at", "-pk")
        .first()
    )


@functools.cache
def builtin_template(kind):
    """The built-in Word template of ``kind`` (bytes), made once per process."""
    if kind == ReportTemplate.Kind.CIRCLE_END:
        lines, title = CIRCLE_END_LINES, "End-of-circle report"
    else:
        lines, title = MEETING_REPORT_LINES, Kind(kind).label
    return documents.docx_builtin(title=title, marking=MARKING, lines=lines)


def docx_context(report):
    """The report as a Word template's context: plain values, no chart's coordinates, no
    user ids (the chart itself is a picture: ``docx_pictures``)."""
    context = documents.plain(report)
    for indicator in context.get("risk", {}).get("indicators", []):
        indicator.pop("chart", None)
    for key in ("summary_by", "summary_version"):
        context.pop(key, None)
    context["core_member"].pop("pk", None)
    return context


def docx_pictures(report):
    """The pictures a Word template may place: a meeting report's ``risk_chart``."""
    if "risk" not in report:
        return {}
    indicators = report["risk"]["indicators"]
    return {
        "risk_chart": documents.DocxPicture(
            risk_chart_png(indicators),
            width_mm=PICTURE_WIDTH_MM,
            descr=risk_chart_alt_text(indicators),
        )
    }


def render_docx(kind, report):
    """The report as .docx bytes: the organisation's current template, else the built-in."""
    uploaded = report_template_current(kind)
    template = bytes(uploaded.content) if uploaded is not None else builtin_template(kind)
    return documents.docx_render(template, docx_context(report), docx_pictures(report))


def render_pdf(template_name, context):
    return documents.pdf_from_html(render_to_string(template_name, context))


def sample_report(kind):
    """A fictional report of ``kind``: what an uploaded template is tried on before it is kept."""
    day = datetime.date(2026, 1, 15)
    indicator = {
        "field": "risk_mood",
        "label": "Low mood",
        "observed": 2,
        "first": 1,
        "last": 2,
        "highest": 2,
        "movement": "up 1",
        "rises": 0,
        "chart": chart(
            [(datetime.datetime(2026, 1, 8, 18), 1), (datetime.datetime(2026, 1, 22, 18), 2)],
            {},
            datetime.datetime(2026, 1, 1),
            datetime.datetime(2026, 2, 1),
        ),
    }
    base = {
        "kind": kind,
        "title": ReportTemplate.Kind(kind).label,
        "marking": MARKING,
        "generated_at": datetime.datetime(2026, 1, 31, 9, 0),
        "period": {"start": day, "end": day, "label": "1 Jan 2026 to 31 Jan 2026"},
        "core_member": {
            "reference": "CM-000000",
            "name": "Sample Person",
            "date_of_birth": datetime.date(1970, 1, 1),
            "probation_crn": "X000000",
            "mappa_category": 1,
            "mappa_level": 1,
            "status": "In a circle",
        },
        "volunteers": [
            {"name": "Volunteer A", "role": "Primary", "joined_on": day, "left_on": None}
        ],
    }
    if kind == ReportTemplate.Kind.CIRCLE_END:
        return {
            **base,
            "circle": {
                "name": "Sample circle",
                "coordinator": "Sample Coordinator",
                "launched_on": day,
                "ended_on": None,
                "end_reason": "",
                "outcome_notes": "",
                "kind": "Community",
                "planned_end_on": day,
            },
            "milestones": [
                {"kind": "3-month review", "due_on": day, "completed_on": day, "decision": ""}
            ],
            "covenants": [{"version": 1, "agreed_on": day, "frequency": "Weekly"}],
            "tables": [{"title": "Attendance", "columns": ["Attendance", "Meetings"], "rows": []}],
        }
    return {
        **base,
        "circle": {
            "name": "Sample circle",
            "status": "Active",
            "launched_on": day,
            "planned_end_on": day,
            "frequency": "Weekly",
            "coordinator": "Sample Coordinator",
        },
        "liaisons": [{"name": "Sample Officer", "agency": "Probation", "role": "Offender manager"}],
        "attendance": {
            "scheduled": 4,
            "held": 4,
            "attended": 3,
            "late": 1,
            "missed": 1,
            "cancelled": 0,
            "no_minutes": 0,
            "attended_percent": 75,
        },
        "risk": {"indicators": [indicator], "ratings": 2},
        "concerns": [
            {
                "raised_on": day,
                "category": "Wellbeing",
                "severity": "Amber",
                "imminent_risk": False,
                "status": "Closed",
                "description": "Sample",
                "shared": False,
                "shared_summary": "",
            }
        ],
        "records": [
            {
                "shared_on": day,
                "category": "Other",
                "urgency": "Routine",
                "summary": "Sample",
                "recipients": 1,
                "acknowledged": 1,
                "is_addendum": False,
            }
        ],
        "covenant": {"version": 1, "agreed_on": day, "frequency": "Weekly", "goals": ["Sample"]},
        "covenants_in_period": 0,
        "reviews": [],
        "next_review": {"kind": "3-month review", "due_on": day},
        "summary": "Sample summary.",
        "summary_updated_at": None,
    }


def circle_end_report(circle, period, tables, memberships, milestones, covenants, now):
    """The end-of-circle report as plain data, volunteers as Volunteer A, B, ..."""
    from reports.meeting_report import pseudonym

    names = {}
    volunteers = []
    for membership in memberships:
        user_id = membership.volunteer.user_id
        if user_id not in names:
            names[user_id] = pseudonym(len(names))
        volunteers.append(
            {
                "name": names[user_id],
                "role": membership.get_role_display(),
                "joined_on": membership.joined_on,
                "left_on": membership.left_on,
            }
        )
    return {
        "kind": ReportTemplate.Kind.CIRCLE_END,
        "title": "End-of-circle report",
        "marking": MARKING,
        "generated_at": now,
        "period": {"start": period.start, "end": period.end, "label": period.label},
        "core_member": {
            "reference": circle.core_member.reference,
            "name": circle.core_member.display_name,
        },
        "circle": {
            "name": circle.name,
            "kind": circle.get_kind_display(),
            "coordinator": circle.coordinator.get_full_name(),
            "launched_on": circle.launched_on,
            "planned_end_on": circle.planned_end_on,
            "ended_on": circle.ended_on,
            "end_reason": circle.get_end_reason_display(),
            "outcome_notes": circle.outcome_notes,
        },
        "volunteers": volunteers,
        "milestones": [
            {
                "kind": m.get_kind_display(),
                "due_on": m.due_on,
                "completed_on": m.completed_on,
                "decision": m.get_decision_display(),
            }
            for m in milestones
        ],
        "covenants": [
            {"version": c.version, "agreed_on": c.agreed_on, "frequency": c.get_frequency_display()}
            for c in covenants
        ],
        "tables": [
            {
                "title": table.title,
                "columns": list(table.columns),
                "rows": [[documents.plain(cell) for cell in row] for row in table.all_rows()],
            }
            for table in tables
        ],
    }
