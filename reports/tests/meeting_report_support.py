"""Builders and checks the meeting report tests share."""

import datetime
import re

from django.utils import timezone

from circles import services as circle_services
from circles.models import Meeting

# Every volunteer of circle A, first and last names: none may appear in a report.
VOLUNTEER_NAMES = ("Ivy", "Inside", "Ida", "Second", "Iris", "Third", "Lena", "Leaver")


def add_rated_meetings(circle, volunteer_user, ratings, *, start_days_ago=40):
    """Held meetings a week apart with submitted minutes rating low mood as ``ratings``."""
    for index, value in enumerate(ratings):
        meeting = Meeting.objects.create(
            circle=circle,
            starts_at=timezone.now() - datetime.timedelta(days=start_days_ago - 7 * index),
            venue=circle.venue,
        )
        circle_services.note_save(
            meeting=meeting,
            acting_user=volunteer_user,
            attendance="YES" if index % 3 else "LATE",
            summary=f"Meeting {index}.",
            risk_mood=value,
            risk_isolation=1,
            submit=True,
        )


def assert_no_volunteer_name(text):
    """No first or last name of a volunteer, as a word, in ``text`` (tags removed)."""
    words = set(re.findall(r"\w+", re.sub(r"<[^>]*>", " ", text).lower()))
    for name in VOLUNTEER_NAMES:
        assert name.lower() not in words, name
