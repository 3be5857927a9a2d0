"""The Core Member's record in his chronology: referrals and their decisions, risk
assessments, MAPPA changes, information-sharing agreements. The full record's holders
only (his coordinator, managers); one query per kind, the grant checked inside it."""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator

from coreMembers.access import full_record_filter
from coreMembers.models import MappaRecord, Referral, RiskAssessment, SharingAgreement
from cosa.chronology import EVERYTHING, Entry, on_day

KINDS = (
    ("referral", "Referrals and decisions"),
    ("risk_assessment", "Risk assessments"),
    ("mappa", "MAPPA category and level"),
    ("agreement", "Information-sharing agreements"),
)

DETAIL_WORDS = 30


def short(text):
    return Truncator(" ".join((text or "").split())).words(DETAIL_WORDS)


def entries(core_member, user, window=EVERYTHING):
    allowed = full_record_filter(user)
    if allowed is None:
        return []
    found = []
    page = reverse("core_members:detail", args=[core_member.pk])
    mine = {"core_member": core_member}
    if window.wants("referral"):
        found += _referrals(Referral.objects.filter(allowed, **mine), window)
    if window.wants("risk_assessment"):
        rows = (
            RiskAssessment.objects.filter(allowed, window.days("assessed_on"), **mine)
            .values("tool", "band", "score", "assessed_on", "agency__name")
            .order_by("-assessed_on")
        )
        for row in rows:
            assessment = RiskAssessment(tool=row["tool"], band=row["band"])
            score = f", score {row['score']}" if row["score"] else ""
            found.append(
                Entry(
                    at=on_day(row["assessed_on"]),
                    kind="risk_assessment",
                    title=f"Risk assessment: {assessment.get_tool_display()}, "
                    f"{assessment.get_band_display().lower()}{score}",
                    detail=f"By {row['agency__name']}",
                    url=f"{page}#risk",
                )
            )
    if window.wants("mappa"):
        found += _mappa(MappaRecord.objects.filter(allowed, **mine), page)
    if window.wants("agreement"):
        found += _agreements(SharingAgreement.objects.filter(allowed, **mine), page)
    return found


def _referrals(referrals, window):
    found = []
    rows = referrals.values(
        "pk",
        "received_on",
        "reason",
        "status",
        "decided_at",
        "decision_reason",
        "source_agency__name",
    ).order_by("-received_on", "-pk")
    for row in rows:
        url = reverse("core_members:referral_detail", args=[row["pk"]])
        found.append(
            Entry(
                at=on_day(row["received_on"]),
                kind="referral",
                title=f"Referral received from {row['source_agency__name']}",
                detail=short(row["reason"]),
                url=url,
            )
        )
        if row["decided_at"] is not None:
            status = Referral.Status(row["status"])
            found.append(
                Entry(
                    at=row["decided_at"],
                    kind="referral",
                    title=f"Referral {status.label.lower()}",
                    detail=short(row["decision_reason"]),
                    url=url,
                )
            )
    return found


def _mappa(records, page):
    """Each record that changed the category or level (the first says what it was)."""
    rows = list(records.values("category", "level", "effective_from").order_by("effective_from"))
    found = []
    previous = None
    for row in rows:
        if previous is None:
            title = f"MAPPA category {row['category']}, level {row['level']} recorded"
        else:
            changes = [
                f"{name} {previous[key]} → {row[key]}"
                for key, name in (("category", "category"), ("level", "level"))
                if previous[key] != row[key]
            ]
            title = (
                "MAPPA " + " and ".join(changes)
                if changes
                else f"MAPPA category {row['category']}, level {row['level']} confirmed"
            )
        found.append(
            Entry(
                at=on_day(row["effective_from"]), kind="mappa", title=title, url=f"{page}#statutory"
            )
        )
        previous = row
    return found


def _agreements(agreements, page):
    found = []
    rows = agreements.values(
        "version", "signed_on", "expires_on", "withdrawn_on", "withdrawal_reason"
    ).order_by("-version")
    for row in rows:
        found.append(
            Entry(
                at=on_day(row["signed_on"]),
                kind="agreement",
                title=f"Information-sharing agreement version {row['version']} signed",
                detail=f"Expires {date_format(row['expires_on'], 'j M Y')}",
                url=f"{page}#agreements",
            )
        )
        if row["withdrawn_on"] is not None:
            found.append(
                Entry(
                    at=on_day(row["withdrawn_on"]),
                    kind="agreement",
                    title=f"Information-sharing agreement version {row['version']} withdrawn",
                    detail=short(row["withdrawal_reason"]),
                    url=f"{page}#agreements",
                )
            )
    return found
