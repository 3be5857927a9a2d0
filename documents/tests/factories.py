"""Builders for the documents' tests: uploads and filed documents."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PDF = b"%PDF-1.4\n%fictional test document\n"


def pdf(name="Licence conditions.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def add_document(owner, user, *, category="OTHER", title="A letter", content=PDF, days_ago=3):
    from cosa import uploads
    from documents import services

    return services.document_add(
        owner=owner,
        category=category,
        document_date=timezone.localdate() - datetime.timedelta(days=days_ago),
        title=title,
        file=uploads.validate_document(pdf(content=content)),
        acting_user=user,
    )
