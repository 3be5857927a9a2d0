"""Writes of documents and DBS decisions: each takes ``acting_user`` and checks it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cosa import uploads
from cosa.services import service, validated_save
from documents.access import may_add_document, owner_kind
from documents.models import DUPLICATE_WINDOW, DBSDecision, Document


def _delete_files_on_commit(storage_names):
    """Delete stored files once the rows that named them are gone for good: a rolled
    back erasure keeps its files with its rows."""
    names = [(storage, name) for storage, name in storage_names if name]
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


@service
@transaction.atomic
def document_add(
    *,
    owner,
    category: str,
    document_date: datetime.date,
    title: str,
    file,
    acting_user: User,
) -> Document:
    """File a checked upload (cosa.uploads.validate_document) on a Core Member, circle or
    volunteer. The same file sent again for the same record by the same user within a
    few minutes is the document already filed, not a second one."""
    if not may_add_document(acting_user, owner):
        raise ValidationError("You may not add documents to this record.")
    kind = owner_kind(owner)
    # One upload at a time per record: the duplicate check below then sees the first.
    type(owner).objects.select_for_update().filter(pk=owner.pk).first()
    digest = uploads.content_hash(file)
    existing = (
        Document.objects.filter(
            **{kind: owner},
            sha256=digest,
            uploaded_by=acting_user,
            uploaded_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .order_by("-uploaded_at")
        .first()
    )
    if existing is not None:
        return existing
    original_name = getattr(file, "original_name", None) or file.name
    title = (title or "").strip() or original_name
    file.name = uploads.opaque_name(file)
    document = Document(
        **{kind: owner},
        category=category,
        document_date=document_date,
        title=title[:200],
        file=file,
        original_name=original_name[:200],
        size=file.size,
        sha256=digest,
        uploaded_by=acting_user,
    )
    return validated_save(document)


@service
@transaction.atomic
def dbs_decision_record(*, dbs_check, decision: str, scan=None, acting_user: User) -> DBSDecision:
    """Record (or change) the decision on a DBS certificate, with an optional scan.

    A new scan replaces the one before (its file goes) and starts its own six months."""
    volunteer = dbs_check.volunteer
    if not may_add_document(acting_user, volunteer):
        raise ValidationError("Only a coordinator or manager records a DBS decision.")
    now = timezone.now()
    record = DBSDecision.objects.select_for_update().filter(dbs_check=dbs_check).first()
    if record is None:
        record = DBSDecision(dbs_check=dbs_check)
    record.decision = decision
    record.decided_by = acting_user
    record.decided_at = now
    if scan is not None:
        digest = uploads.content_hash(scan)
        if record.scan and record.scan_sha256 == digest:
            scan = None  # the same scan again: keep it and its date
        else:
            if record.scan:
                _delete_files_on_commit([(record.scan.storage, record.scan.name)])
            record.scan_original_name = (getattr(scan, "original_name", None) or scan.name)[:200]
            scan.name = uploads.opaque_name(scan)
            record.scan = scan
            record.scan_sha256 = digest
            record.scan_uploaded_at = now
            record.scan_deleted_at = None
    return validated_save(record)


def dbs_scans_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete every DBS scan uploaded six months ago or more; keep the decision and say
    when the copy went. Safe to run twice or side by side: a scan is deleted once."""
    now = now or timezone.now()
    deleted = 0
    for record in DBSDecision.objects.scans_due_for_deletion(now).only("pk", "scan"):
        name = record.scan.name
        # The file first: if the update below never happens, the next run finds the
        # row again and deleting a missing file is harmless.
        record.scan.storage.delete(name)
        deleted += DBSDecision.objects.filter(pk=record.pk, scan=name).update(
            scan="", scan_sha256="", scan_deleted_at=now
        )
    return deleted


def documents_erase(documents) -> int:
    """Delete these documents' rows now and their files when the transaction commits
    (retention calls this inside its erasure). Returns how many rows went."""
    rows = list(documents.only("pk", "file"))
    _delete_files_on_commit([(d.file.storage, d.file.name) for d in rows])
    return Document.objects.filter(pk__in=[d.pk for d in rows]).delete()[0]
