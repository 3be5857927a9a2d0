"""The documents' part of a Core Member's chronology (the contract: cosa/chronology.py).

"Document added" entries for his own documents and his circles', as the viewer may read
them (documents.access.documents_visible_to): staff holding his record see both; a
volunteer of his circle only the circle's papers; a liaison none. One query.
"""

from django.urls import reverse

from cosa.chronology import Entry
from documents.access import documents_visible_to
from documents.models import Document

KINDS = (("document", "Documents added"),)


def entries(core_member, user):
    documents = (
        documents_visible_to(user)
        .filter(pk__in=Document.objects.about_core_member(core_member).values("pk"))
        .select_related("circle")
        .order_by("uploaded_at", "pk")
    )
    result = []
    for document in documents:
        if document.circle_id:
            on = f" to circle {document.circle.name}"
            url = reverse("documents:circle_download", args=[document.circle_id, document.pk])
        else:
            on = ""
            url = reverse("documents:core_member_download", args=[core_member.pk, document.pk])
        result.append(
            Entry(
                at=document.uploaded_at,
                kind="document",
                title=f"Document added{on}: {document.title}",
                detail=f"{document.get_category_display()}, "
                f"dated {document.document_date:%d %b %Y}",
                url=url,
            )
        )
    return result
