"""UK postcode districts ("LS6", "SW1A", "B1"): the outward part of a postcode.

Matching works on districts, never on full postcodes or coordinates: a district
is coarse enough to say "near" without holding where anyone lives, and needs no
geodata at run time. Volunteers' travel areas and conflicts, a Core Member's
home district and exclusion zones all go through ``parse_districts``.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

# One or two letters, a digit, then an optional digit or letter (EC1A, W1B, LS16).
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
MAX_DISTRICTS = 40

district_validator = RegexValidator(DISTRICT, "Use a postcode district, like LS6 or SW1A.")


def normalise_district(value: str) -> str:
    """One district, upper case; ``ValidationError`` naming it when it is not one."""
    district = (value or "").strip().upper()
    if not DISTRICT.match(district):
        raise ValidationError(
            f'"{value.strip()}" is not a postcode district: use the first half of a postcode, '
            "like LS6 or SW1A."
        )
    return district


def parse_districts(text: str | list | None) -> list[str]:
    """Districts from text separated by commas or spaces, deduplicated, in order.

    Every bad entry is named in one error, so a coordinator fixes them in one go.
    """
    if isinstance(text, list | tuple):
        parts = [str(part) for part in text]
    else:
        parts = re.split(r"[\s,;]+", text or "")
    districts, errors = [], []
    for part in parts:
        if not part.strip():
            continue
        try:
            district = normalise_district(part)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if district not in districts:
            districts.append(district)
    if errors:
        raise ValidationError(errors)
    if len(districts) > MAX_DISTRICTS:
        raise ValidationError(f"List at most {MAX_DISTRICTS} postcode districts.")
    return districts


def validate_district_list(value):
    """Model validator for a JSON list of districts."""
    if not isinstance(value, list):
        raise ValidationError("A list of postcode districts is expected.")
    if parse_districts(value) != value:
        raise ValidationError("Postcode districts must be upper case, valid and listed once.")
