"""CSV downloads: every cell quoted, formula prefixes neutralised, one writer for all."""

import csv
import io
import pathlib
import re

import pytest
from django.urls import reverse

from cosa.views import csv_response, csv_safe
from volunteers.tests.factories import VolunteerFactory

REPO = pathlib.Path(__file__).resolve().parents[2]

HOSTILE = [
    '=HYPERLINK("http://evil.example")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    ";=1+1",
    "|calc",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_safe_neutralises_every_formula_prefix(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Ada", "", "0", "a=b", "Smith; Jones", "x|y", None, 12])
def test_csv_safe_leaves_ordinary_values_alone(value):
    assert csv_safe(value) == ("" if value is None else str(value))


def test_every_cell_is_quoted_and_guarded():
    response = csv_response("x.csv", ["name", ";head"], [[";=1+1", 3], ["Ada", None]])
    body = response.content.decode("utf-8-sig")
    assert body.splitlines() == [
        '"name","\';head"',
        '"\';=1+1","3"',
        '"Ada",""',
    ]


def test_a_separator_or_line_break_inside_a_value_stays_in_its_cell():
    response = csv_response("x.csv", ["a", "b"], [["one;two,three\r\n=four", "z"]])
    assert _rows(response)[1] == ["one;two,three\r\n=four", "z"]


@pytest.mark.django_db
def test_an_export_neutralises_a_semicolon_formula_in_a_name(client, coordinator):
    VolunteerFactory(user__first_name=";=cmd|' /C calc'!A0", user__last_name="Evil")
    client.force_login(coordinator)
    response = client.get(reverse("volunteers:export"))
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert "\"';=cmd|' /C calc'!A0 Evil\"" in body
    assert all(line.startswith('"') for line in body.splitlines())


def test_no_csv_writer_outside_the_one_helper():
    """A new export must use cosa.views.csv_response, not a writer of its own."""
    pattern = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(REPO))
        for path in REPO.glob("**/*.py")
        if ".venv" not in path.parts
        and "tests" not in path.parts
        and path.relative_to(REPO).as_posix() != "cosa/views.py"
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
