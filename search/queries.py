"""The search box: Core Members, circles and volunteers, each through its app's
``visible_to(user)`` queryset, so a search never finds what the lists would not show.

The database narrows each kind to a bounded candidate set (never the whole table):
on PostgreSQL with pg_trgm's word-similarity operator ``%>`` on GIN-indexed names
(search/migrations), on SQLite with ``icontains`` on the query's trigrams. RapidFuzz
then ranks the few candidates the same way on both, so a typo ("Lowthr") finds the
same person locally and in production. One query per kind, whatever the matches.
"""

import re
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.postgres.search import TrigramWordDistance, TrigramWordSimilarity
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Greatest
from rapidfuzz import fuzz, utils

from circles.access import circles_fixed_for
from circles.models import Circle
from coreMembers.access import core_members_visible_to
from coreMembers.models import CoreMember
from volunteers.access import volunteers_visible_to
from volunteers.models import Volunteer

SHOWN_PER_KIND = 10
# Rows fetched per kind before ranking: enough that the best ten survive a fuzzy
# prefilter, few enough that ranking them in Python costs nothing.
CANDIDATES_PER_KIND = 60
# RapidFuzz WRatio (0-100) below which a candidate is noise, not a match.
SCORE_CUTOFF = 72
MAX_TOKENS = 4
REFERENCE = re.compile(r"([A-Za-z]{1,4})-?(\d{1,9})")
DIGITS = re.compile(r"\d{1,9}")


@dataclass
class Group:
    kind: str
    results: list = field(default_factory=list)
    more: bool = False
    # Every candidate the database returned, ranked or not (the circles' search reuses
    # the Core Members').
    candidate_pks: list = field(default_factory=list)


CORE_MEMBER_NAMES = ["first_name", "last_name", "preferred_name"]


def _tokens(query):
    return [token for token in query.split() if len(token) >= 2][:MAX_TOKENS] or [query]


def _fuzzy_q(fields, tokens):
    """Rows where some ``field`` resembles some token: the bounded candidate set."""
    if connection.vendor == "postgresql":
        # field %> token: the token is similar to a word of the field (GIN index).
        return reduce(
            or_, (Q(**{f"{name}__trigram_word_similar": t}) for name in fields for t in tokens)
        )
    grams = set()
    for token in tokens:
        token = token.lower()
        if len(token) <= 3:
            grams.add(token)
        else:
            grams.update(token[i : i + 3] for i in range(len(token) - 2))
    return reduce(or_, (Q(**{f"{name}__icontains": g}) for name in fields for g in grams))


def _nearest(queryset, fields, tokens, *also):
    """PostgreSQL, where every row is visible: the rows nearest each token on each
    field, each list read in distance order from a GiST trigram index (a KNN scan that
    stops after CANDIDATES_PER_KIND rows), joined with ``also`` (querysets of pks).
    Filtering with ``%>`` and sorting by similarity instead scored every match: 4,935
    Core Members for a common surname at national scale (19 ms), then their circles
    (47 ms). None on other databases (the bounded ``icontains`` set is used there)."""
    if connection.vendor != "postgresql":
        return None
    parts = [
        queryset.filter(**{f"{name}__trigram_word_similar": token})
        .order_by(TrigramWordDistance(token, name))
        .values("pk")[:CANDIDATES_PER_KIND]
        for name in fields
        for token in tokens
    ]
    parts.extend(also)
    return Q(pk__in=parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])


def _similarity_order(fields, query):
    """Most similar first, so the bounded candidate set keeps the best rows."""
    if connection.vendor == "postgresql":
        similarities = [TrigramWordSimilarity(query, name) for name in fields]
        return [(Greatest(*similarities) if len(similarities) > 1 else similarities[0]).desc()]
    return []


def _score(query, texts):
    return max(
        (fuzz.WRatio(query, text, processor=utils.default_process) for text in texts if text),
        default=0,
    )


def _ranked(rows, query, texts_of, exact_of=lambda row: False):
    scored = []
    for row in rows:
        score = 101 if exact_of(row) else _score(query, texts_of(row))
        if score >= SCORE_CUTOFF:
            scored.append((score, row))
    scored.sort(key=lambda pair: -pair[0])
    return [row for _, row in scored]


def _group(
    kind, queryset, fields, query, texts_of, exact=None, exact_of=lambda row: False, fuzzy=None
):
    tokens = _tokens(query)
    # ``fuzzy`` (given tokens and the exact match) may answer None: use the default.
    condition = fuzzy(tokens, exact) if fuzzy is not None else None
    if condition is None:
        condition = _fuzzy_q(fields, tokens)
        if exact is not None:
            condition |= exact
    rows = list(
        queryset.filter(condition).order_by(*_similarity_order(fields, query), "pk")[
            :CANDIDATES_PER_KIND
        ]
    )
    ranked = _ranked(rows, query, texts_of, exact_of)
    return Group(
        kind,
        ranked[:SHOWN_PER_KIND],
        more=len(ranked) > SHOWN_PER_KIND,
        candidate_pks=[row.pk for row in rows],
    )


def _reference_q(query):
    """A reference with or without its prefix ("CM-000006", "cm000006", "000006")."""
    match = REFERENCE.fullmatch(query)
    if match:
        prefix, digits = match.group(1).upper(), match.group(2)
        return Q(reference__in={f"{prefix}-{digits}", f"{prefix}-{int(digits):06d}"})
    if DIGITS.fullmatch(query):
        return Q(reference__contains=query)
    return None


def _is_reference(folded, reference):
    """``folded`` (upper case, no spaces) names ``reference``, prefixed or not."""
    return folded in (reference, reference.replace("-", "")) or (
        folded.isdigit() and folded in reference
    )


def core_members_matching(user, query):
    exact = Q(probation_crn__iexact=query)
    reference = _reference_q(query)
    if reference is not None:
        exact |= reference
    folded = query.upper().replace(" ", "")

    def exact_of(cm):
        crn = cm.probation_crn.upper()
        ref = cm.reference
        return bool(crn and crn == folded) or _is_reference(folded, ref)

    def texts_of(cm):
        return (
            cm.first_name,
            cm.last_name,
            cm.preferred_name,
            f"{cm.first_name} {cm.last_name}",
            f"{cm.preferred_name} {cm.last_name}" if cm.preferred_name else "",
        )

    queryset = core_members_visible_to(user).only(
        "pk", "reference", "first_name", "last_name", "preferred_name", "probation_crn", "status"
    )
    return _group(
        "Core Members",
        queryset,
        CORE_MEMBER_NAMES,
        query,
        texts_of,
        exact=exact,
        exact_of=exact_of,
        # A manager sees every Core Member: the nearest names nationally.
        # The exact matches join the lists (an OR beside them scanned every row).
        fuzzy=(
            lambda tokens, exact: _nearest(
                queryset, CORE_MEMBER_NAMES, tokens, queryset.filter(exact).values("pk")
            )
        )
        if user.is_manager
        else None,
    )


def circles_matching(user, query, core_member_pks=None):
    """Circles by name or by their Core Member's name. ``core_member_pks``: the Core
    Members the same search found (their candidates), whose circles a manager's search
    takes instead of looking for the names again."""

    def texts_of(circle):
        cm = circle.core_member
        return (
            circle.name,
            cm.first_name,
            cm.last_name,
            cm.preferred_name,
            f"{cm.first_name} {cm.last_name}",
            cm.reference,
        )

    def across_the_service(tokens, exact):
        # Across the service: circles by name, and circles of a Core Member whose name
        # matches, each found on its own table's indexes and the two sets joined. An OR
        # across the join (or across the two sets) made PostgreSQL test every circle's
        # name in turn: 145 to 220 ms for a common surname at national scale.
        if core_member_pks is None:
            named = CoreMember.objects.filter(_fuzzy_q(CORE_MEMBER_NAMES, tokens))
            named = named.order_by().values("pk")
        else:
            named = core_member_pks
        of_named = Circle.objects.filter(core_member__in=named).order_by().values("pk")
        joined = [of_named]
        if exact is not None:
            joined.append(Circle.objects.filter(exact).order_by().values("pk"))
        nearest = _nearest(Circle.objects.all(), ["name"], tokens, *joined)
        if nearest is not None:
            return nearest
        by_name = Circle.objects.filter(_fuzzy_q(["name"], tokens)).order_by().values("pk")
        return Q(pk__in=by_name.union(*joined, all=True))

    reference = _reference_q(query)
    folded = query.upper().replace(" ", "")
    # A caseload: its circles' ids first, then each one's names tested in turn.
    queryset = circles_fixed_for(user).select_related("core_member")
    return _group(
        "Circles",
        queryset,
        [
            "name",
            "core_member__first_name",
            "core_member__last_name",
            "core_member__preferred_name",
        ],
        query,
        texts_of,
        exact=reference and Q(**{f"core_member__{k}": v for k, v in reference.children}),
        exact_of=lambda c: _is_reference(folded, c.core_member.reference),
        fuzzy=across_the_service if user.is_manager else None,
    )


def volunteers_matching(user, query):
    def texts_of(volunteer):
        return (
            volunteer.user.first_name,
            volunteer.user.last_name,
            f"{volunteer.user.first_name} {volunteer.user.last_name}",
        )

    queryset = volunteers_visible_to(user).select_related("user")
    fields = ["user__first_name", "user__last_name"]
    return _group(
        "Volunteers",
        queryset,
        fields,
        query,
        texts_of,
        # Case staff see every volunteer: the nearest names across the service.
        fuzzy=(lambda tokens, _exact: _nearest(Volunteer.objects.all(), fields, tokens))
        if user.is_case_staff
        else None,
    )


def search(user, query):
    """The three groups, each capped at SHOWN_PER_KIND; three queries in all."""
    core_members = core_members_matching(user, query)
    return [
        core_members,
        circles_matching(user, query, core_members.candidate_pks if user.is_manager else None),
        volunteers_matching(user, query),
    ]
