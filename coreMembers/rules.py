"""Domain rules the record must respect, written once for the model, its form and services.

Each tool reports its result in its own terms: the banded tools as a band, Static-99R
as a whole number. A score outside the tool's terms (a typo, "banana") would be read by
the outer circle as a real assessment, so it is refused wherever an assessment is saved.
Likewise a liaison covers a Core Member in a role their agency holds: a probation officer
cannot stand in as the police public-protection unit.

This module imports no models (the models import it); tools, bands, roles and agency
kinds are their stored values.
"""

from dataclasses import dataclass

LOW, MEDIUM, HIGH, VERY_HIGH = "LOW", "MEDIUM", "HIGH", "VERY_HIGH"
BAND_LABELS = {LOW: "Low", MEDIUM: "Medium", HIGH: "High", VERY_HIGH: "Very high"}
FOUR_BANDS = (LOW, MEDIUM, HIGH, VERY_HIGH)


@dataclass(frozen=True)
class ToolScale:
    """What a tool's score may be: one of ``bands``, or an integer in ``integer_range``."""

    bands: tuple[str, ...] = FOUR_BANDS
    integer_range: tuple[int, int] | None = None

    @property
    def allowed_text(self) -> str:
        if self.integer_range:
            low, high = self.integer_range
            return f"a whole number from {low} to {high}"
        labels = [BAND_LABELS[band] for band in self.bands]
        return ", ".join(labels[:-1]) + " or " + labels[-1]


TOOL_SCALES = {
    "RM2000_S": ToolScale(),
    "RM2000_V": ToolScale(),
    "RM2000_C": ToolScale(),
    "OSP_C": ToolScale(),
    # OSP/I has no "very high" category.
    "OSP_I": ToolScale(bands=(LOW, MEDIUM, HIGH)),
    "OASYS_ROSH": ToolScale(),
    # ARMS rates its risk and protective domains low, medium or high.
    "ARMS": ToolScale(bands=(LOW, MEDIUM, HIGH)),
    "STATIC_99R": ToolScale(integer_range=(-3, 12)),
}

TOOL_NAMES = {
    "RM2000_S": "RM2000",
    "RM2000_V": "RM2000",
    "RM2000_C": "RM2000",
    "OSP_C": "OSP/C",
    "OSP_I": "OSP/I",
    "OASYS_ROSH": "OASys RoSH",
    "ARMS": "ARMS",
    "STATIC_99R": "Static-99R",
}


def _squash(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def risk_score_help() -> str:
    """One sentence saying what each tool's score may be (the form's help text)."""
    seen = {}
    for tool, scale in TOOL_SCALES.items():
        seen.setdefault(scale.allowed_text, [])
        if TOOL_NAMES[tool] not in seen[scale.allowed_text]:
            seen[scale.allowed_text].append(TOOL_NAMES[tool])
    parts = [f"{', '.join(names)}: {allowed}" for allowed, names in seen.items()]
    return "As the tool reports it. " + "; ".join(parts) + "."


def risk_assessment_problems(tool: str, band: str, score: str) -> tuple[str, dict[str, str]]:
    """Check one assessment; return the score as stored and {field: message} for each problem.

    A banded tool's score may be left blank (the band carries it); when given it must be
    one of the tool's bands, in any case and spacing, and agree with the band. Static-99R
    needs its score, a whole number in the tool's range.
    """
    scale = TOOL_SCALES.get(tool)
    score = " ".join(str(score or "").split())
    if scale is None:
        return score, {}  # an unknown tool is refused by the field's choices
    name = TOOL_NAMES[tool]
    problems = {}
    if scale.integer_range:
        low, high = scale.integer_range
        try:
            number = int(score)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            given = f', not "{score}"' if score else ""
            problems["score"] = f"A {name} score is {scale.allowed_text}{given}."
        else:
            score = str(number)
        return score, problems
    if band and band not in scale.bands:
        problems["band"] = f"{name} bands are {scale.allowed_text}."
    if score:
        matching = [b for b in scale.bands if _squash(BAND_LABELS[b]) == _squash(score)]
        if not matching:
            problems["score"] = f'{name} scores are {scale.allowed_text}, not "{score}".'
        else:
            score = BAND_LABELS[matching[0]]
            if band in scale.bands and matching[0] != band:
                problems["score"] = (
                    f"The score says {score} but the band is {BAND_LABELS[band]}: they must agree."
                )
    return score, problems


# Liaison roles and the agencies that hold them -----------------------------------------

ROLE_AGENCY_KINDS = {
    "OFFENDER_MANAGER": ("PROBATION", "PRISON", "YOUTH_JUSTICE"),
    "POLICE_PPU": ("POLICE_PPU",),
    "MAPPA": ("MAPPA",),
}
ROLE_AGENCY_TEXT = {
    "OFFENDER_MANAGER": "a probation, prison or youth justice agency",
    "POLICE_PPU": "the police",
    "MAPPA": "a MAPPA agency",
}
ROLE_NAMES = {
    "OFFENDER_MANAGER": "An offender manager",
    "POLICE_PPU": "A police public-protection unit liaison",
    "MAPPA": "A MAPPA coordinator",
}


def liaison_role_problem(role: str, agency) -> str:
    """Why a liaison of ``agency`` (an Agency or None) cannot cover in ``role``, or ""."""
    kinds = ROLE_AGENCY_KINDS.get(role)
    if kinds is None or (agency is not None and agency.kind in kinds):
        return ""
    needed = f"{ROLE_NAMES[role]} must come from {ROLE_AGENCY_TEXT[role]}"
    if agency is None:
        return f"{needed}; this liaison has no agency recorded."
    return f"{needed}; {agency.name} is recorded as {agency.get_kind_display().lower()}."
