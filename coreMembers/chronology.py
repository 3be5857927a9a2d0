"""The Core Member's record in his chronology: referrals and their decisions, risk
assessments, MAPPA changes, information-sharing agreements. The full record's holders
only (his coordinator, managers); one query for every kind (UNION ALL), the grant checked
inside each part."""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator

from coreMembers.access import full_record_filter
from coreMembers.models import MappaRecord, Referral, RiskAssessment, SharingAgreement
from cosa.chronology import EVERYTHING, Entry, on_day, shaped, union_rows

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
    page = reverse("core_members:detail", args=[core_member.pk])
    mine = {"core_member": core_member}
    parts = []
    if window.wants("referral"):
        parts.append(
            shaped(
                Referral.objects.filter(allowed, **mine),
                "referral",
                key="pk",
                day="received_on",
                moment="decided_at",
                t_1="reason",
                t_2="status",
                t_3="decision_reason",
                t_4="source_agency__name",
            )
        )
    if window.wants("risk_assessment"):
        parts.append(
            shaped(
                RiskAssessment.objects.filter(allowed, window.days("assessed_on"), **mine),
                "risk_assessment",
                key="pk",
                day="assessed_on",
                t_1="tool",
                t_2="band",
                t_3="score",
                t_4="agency__name",
            )
        )
    if window.wants("mappa"):
        parts.append(
            shaped(
                MappaRecord.objects.filter(allowed, **mine),
                "mappa",
                key="pk",
                day="effective_from",
                n_1="category",
                n_2="level",
            )
        )
    if window.wants("agreement"):
        parts.append(
            shaped(
                SharingAgreement.objects.filter(allowed, **mine),
                "agreement",
                key="pk",
                day="signed_on",
                day_2="expires_on",
                day_3="withdrawn_on",
                n_1="version",
                t_1="withdrawal_reason",
            )
        )
    by_kind = union_rows(parts)
    found = _referrals(by_kind.get("referral", []))
    found += _assessments(by_kind.get("risk_assessment", []), page)
    found += _mappa(by_kind.get("mappa", []), page)
    found += _agreements(by_kind.get("agreement", []), page)
    return found


def _assessments(rows, page):
    found = []
    for row in sorted(rows, key=lambda r: r["day"], reverse=True):
        assessment = RiskAssessment(tool=row["t_1"], band=row["t_2"])
        score = f", score {row['t_3']}" if row["t_3"] else ""
        found.append(
            Entry(
                at=on_day(row["day"]),
                kind="risk_assessment",
                title=f"Risk assessment: {assessment.get_tool_display()}, "
                f"{assessment.get_band_display().lower()}{score}",
                detail=f"By {row['t_4']}",
                url=f"{page}#risk",
            )
        )
    return found


def _referrals(rows):
    found = []
    for row in sorted(rows, key=lambda r: (r["day"], r["key"]), reverse=True):
        url = reverse("core_members:referral_detail", args=[row["key"]])
        found.append(
            Entry(
                at=on_day(row["day"]),
                kind="referral",
                title=f"Referral received from {row['t_4']}",
                detail=short(row["t_1"]),
                url=url,
            )
        )
        if row["moment"] is not None:
            status = Referral.Status(row["t_2"])
            found.append(
                Entry(
                    at=row["moment"],
                    kind="referral",
                    title=f"Referral {status.label.lower()}",
                    detail=short(row["t_3"]),
                    url=url,
                )
            )
    return found


def _mappa(rows, page):
    """Each record that changed the category or level (the first says what it was)."""
    rows = [
        {"category": r["n_1"], "level": r["n_2"], "effective_from": r["day"], "key": r["key"]}
        for r in sorted(rows, key=lambda r: (r["day"], r["key"]))
    ]
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


def _agreements(rows, page):
    found = []
    rows = [
        {
            "version": r["n_1"],
            "signed_on": r["day"],
            "expires_on": r["day_2"],
            "withdrawn_on": r["day_3"],
            "withdrawal_reason": r["t_1"],
        }
        for r in sorted(rows, key=lambda r: r["n_1"], reverse=True)
    ]
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
