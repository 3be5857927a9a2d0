"""The printable shared record as PDF and Word: drawn from the record as it was shared.

A shared record never changes (corrections are addenda), so a download made today of a
record shared last month shows exactly what was sent, with the acknowledgements so far.
"""

import functools

from cosa import documents

MARKING = "OFFICIAL-SENSITIVE"

RECORD_LINES = [
    "# CoSA shared record: {{ core_member.reference }} {{ core_member.name }}",
    "Printed {{ printed_at }} by {{ printed_by }}. This download is access-logged.",
    "{%p for item in chain %}",
    "## {{ item.heading }}",
    "Urgency: {{ item.urgency }}. Category: {{ item.category }}. "
    "Legal basis: {{ item.legal_basis }}"
    "{% if item.override_reason %} ({{ item.override_reason }}){% endif %}.",
    "Shared: {{ item.shared }}",
    "{%p for line in item.details %}",
    "{{ line }}",
    "{%p endfor %}",
    "Acknowledgements:",
    "{%p for r in item.recipients %}",
    "{{ r.name }} ({{ r.agency }}): due {{ r.due or '—' }}, acknowledged "
    "{{ r.acknowledged or 'not yet' }}. {{ r.response }}",
    "{%p endfor %}",
    "{%p endfor %}",
]


@functools.cache
def builtin_template():
    return documents.docx_builtin(title="Shared record", marking=MARKING, lines=RECORD_LINES)


def record_context(record, chain, *, printed_at, printed_by):
    items = []
    for index, item in enumerate(chain):
        heading = f"Addendum {index}: {item.summary}" if item.addendum_to_id else item.summary
        items.append(
            {
                "heading": heading,
                "summary": item.summary,
                "urgency": item.get_urgency_display(),
                "category": item.get_category_display(),
                "legal_basis": item.get_legal_basis_display(),
                "override_reason": item.override_reason,
                "shared": (
                    f"{documents.plain(item.shared_at)} by {item.shared_by.get_full_name()}"
                    if item.shared_at
                    else f"not shared ({item.get_status_display().lower()})"
                ),
                "details": item.details.splitlines() or [""],
                "recipients": [
                    {
                        "name": r.liaison.get_full_name(),
                        "agency": r.liaison.agency.name if r.liaison.agency_id else "",
                        "due": r.acknowledge_due_at,
                        "acknowledged": r.acknowledged_at,
                        "response": r.response,
                    }
                    for r in item.recipients.all()
                ],
            }
        )
    return {
        "marking": MARKING,
        "core_member": {
            "reference": record.core_member.reference,
            "name": f"{record.core_member.first_name} {record.core_member.last_name}",
        },
        "printed_at": printed_at,
        "printed_by": printed_by.get_full_name(),
        "chain": items,
    }


def record_docx(context):
    return documents.docx_render(builtin_template(), context)
