"""``manage.py reminders_benchmark``: how long one reminder sweep takes at scale.

Builds N open circles of fictional people (four volunteers each, a meeting in
the coming week, last week's meeting, review milestones, DBS checks, a few red
concerns) inside a transaction, times a first sweep (which creates the due
reminders) and a second (steady state: nothing new), reports the queries each
issued, and rolls everything back. Nothing is enqueued or sent.

    python manage.py reminders_benchmark --circles 1000 12000
"""

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from circles import reminders
from circles.models import (
    Circle,
    CircleMembership,
    Concern,
    Meeting,
    MeetingNote,
    Reminder,
    ReviewMilestone,
)
from coreMembers.models import CoreMember
from volunteers.models import DBSCheck, Volunteer

VOLUNTEERS_PER_CIRCLE = 4
BATCH = 2000


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time one reminder sweep over N open circles (built and rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--circles", type=int, nargs="+", default=[1000, 12000])

    def handle(self, *args, circles, **options):
        self.stdout.write(
            f"database: {connection.vendor}; volunteers per circle: {VOLUNTEERS_PER_CIRCLE}"
        )
        for count in circles:
            try:
                with transaction.atomic():
                    self._run(count)
                    raise _Rollback
            except _Rollback:
                pass

    def _run(self, count):
        started = time.perf_counter()
        self._build(count)
        if connection.vendor == "postgresql":
            # Fresh rows in an open transaction have no statistics; production tables do.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        built = time.perf_counter() - started
        now = timezone.now()
        results = []
        for label in ("first sweep (creates)", "second sweep (steady)"):
            began = time.perf_counter()
            run = reminders.sweep(now=now)
            results.append((label, time.perf_counter() - began, run))
        self.stdout.write(f"\n{count:,} open circles (built in {built:.1f} s)")
        for label, seconds, run in results:
            self.stdout.write(
                f"  {label:<24} {seconds:7.2f} s  {run.queries:4d} queries  "
                f"{run.created:6d} created  {run.enqueued:5d} claimed"
            )
        by_kind = {}
        for kind in Reminder.objects.values_list("kind", flat=True):
            by_kind[kind] = by_kind.get(kind, 0) + 1
        self.stdout.write(f"  reminders by kind: {dict(sorted(by_kind.items()))}")

    def _build(self, count):
        """Bulk-create the scene; every name is fictional and numbered."""
        now = timezone.now()
        today = timezone.localdate()
        tag = f"bm{int(time.time())}"
        password = "!"  # an unusable password  # noqa: S105
        staff = [
            User(
                email=f"{tag}-coordinator{i}@example.org",
                first_name="Bench",
                last_name=f"Coordinator{i}",
                role=User.Role.COORDINATOR,
                password=password,
            )
            for i in range(max(1, count // 25))
        ]
        staff += [
            User(
                email=f"{tag}-manager{i}@example.org",
                first_name="Bench",
                last_name=f"Manager{i}",
                role=User.Role.MANAGER,
                password=password,
            )
            for i in range(3)
        ]
        User.objects.bulk_create(staff, batch_size=BATCH)
        coordinators = list(
            User.objects.filter(email__startswith=f"{tag}-coordinator").values_list("pk", flat=True)
        )
        core_members = CoreMember.objects.bulk_create(
            [
                CoreMember(
                    reference=f"BM-{tag[-6:]}-{i:06d}",
                    first_name="Bench",
                    last_name=f"Member{i}",
                    date_of_birth=datetime.date(1970, 1, 1),
                    status=CoreMember.Status.IN_CIRCLE,
                    coordinator_id=coordinators[i % len(coordinators)],
                )
                for i in range(count)
            ],
            batch_size=BATCH,
        )
        launched = today - datetime.timedelta(days=200)
        circles = Circle.objects.bulk_create(
            [
                Circle(
                    core_member=cm,
                    coordinator_id=cm.coordinator_id,
                    name=f"Bench circle {i}",
                    status=Circle.Status.ACTIVE,
                    weekday=i % 7,
                    venue="Bench hall",
                    launched_on=launched,
                    pattern_starts_on=launched,
                    planned_end_on=launched + datetime.timedelta(days=365),
                )
                for i, cm in enumerate(core_members)
            ],
            batch_size=BATCH,
        )
        users = User.objects.bulk_create(
            [
                User(
                    email=f"{tag}-volunteer{i}@example.org",
                    first_name="Bench",
                    last_name=f"Volunteer{i}",
                    role=User.Role.VOLUNTEER,
                    password=password,
                )
                for i in range(count * VOLUNTEERS_PER_CIRCLE)
            ],
            batch_size=BATCH,
        )
        volunteers = Volunteer.objects.bulk_create(
            [Volunteer(user=u, status=Volunteer.Status.ACTIVE) for u in users], batch_size=BATCH
        )
        CircleMembership.objects.bulk_create(
            [
                CircleMembership(
                    circle=circles[i // VOLUNTEERS_PER_CIRCLE],
                    volunteer=v,
                    role=(
                        CircleMembership.Role.PRIMARY
                        if i % VOLUNTEERS_PER_CIRCLE == 0
                        else CircleMembership.Role.VOLUNTEER
                    ),
                    joined_on=launched,
                )
                for i, v in enumerate(volunteers)
            ],
            batch_size=BATCH,
        )
        # DBS: one in fifty is due for renewal within the next sixty days.
        checks = []
        for i, v in enumerate(volunteers):
            issued = today - datetime.timedelta(days=(3 * 365 - 30) if i % 50 == 0 else 400)
            check = DBSCheck(volunteer=v, certificate_number=f"{i:012d}", issued_on=issued)
            check.recheck_due_on = issued.replace(year=issued.year + 3)
            checks.append(check)
        DBSCheck.objects.bulk_create(checks, batch_size=BATCH)
        # Meetings spread over the coming week (about a seventh are due a reminder now),
        # and last week's, one in twenty still without submitted minutes.
        upcoming = [
            Meeting(
                circle=c,
                starts_at=now + datetime.timedelta(hours=1 + (i % 168)),
                venue="Bench hall",
            )
            for i, c in enumerate(circles)
        ]
        past = [
            Meeting(
                circle=c,
                starts_at=now - datetime.timedelta(days=2, hours=3 + (i % 96)),
                venue="Bench hall",
                status=Meeting.Status.HELD,
            )
            for i, c in enumerate(circles)
        ]
        Meeting.objects.bulk_create(upcoming + past, batch_size=BATCH)
        MeetingNote.objects.bulk_create(
            [
                MeetingNote(
                    meeting=m,
                    circle_id=m.circle_id,
                    author_id=users[i * VOLUNTEERS_PER_CIRCLE].pk,
                    attendance=MeetingNote.Attendance.YES,
                    summary="Fictional benchmark minutes.",
                    status=MeetingNote.Status.SUBMITTED,
                    submitted_at=now,
                )
                for i, m in enumerate(past)
                if i % 20
            ],
            batch_size=BATCH,
        )
        ReviewMilestone.objects.bulk_create(
            [
                ReviewMilestone(
                    circle=c,
                    kind=f"M{months}",
                    due_on=launched + datetime.timedelta(days=30 * months + (i % 40) - 20),
                )
                for i, c in enumerate(circles)
                for months in (3, 6, 9, 12)
            ],
            batch_size=BATCH,
        )
        Concern.objects.bulk_create(
            [
                Concern(
                    circle=c,
                    raised_by_id=users[i * VOLUNTEERS_PER_CIRCLE].pk,
                    raised_at=now - datetime.timedelta(hours=5),
                    category=Concern.Category.WELLBEING,
                    severity=Concern.Severity.RED,
                    description="Fictional benchmark concern.",
                )
                for i, c in enumerate(circles)
                if i % 100 == 0
            ],
            batch_size=BATCH,
        )
