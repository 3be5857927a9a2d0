"""National-scale fictional data for `manage.py generate_scale`.

At ``scale=1``: 60,000 Core Members, 12,000 open circles and 24,000 ended ones,
50,000 volunteers, 600 coordinators, 2,000 liaisons, about 1.5 million meetings
with their minutes, 200,000 concerns, 300,000 shared records, and every
permission grant the services would have made (guardian's direct foreign-key
tables, one volunteers' group per circle with its current volunteers in it).

Rows are written with explicit primary keys in large batches: COPY on
PostgreSQL, executemany elsewhere (the tests' SQLite). Sequences are moved past
the new keys at the end. History tables (simple-history) are not filled: bulk
data has no change history. Everything is fictional and numbered.
"""

import datetime
import io
import json
import random
import sys
import time

from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from faker import Faker

from accounts.models import Agency, Notification, User
from circles.models import (
    Circle,
    CircleGroupObjectPermission,
    CircleMembership,
    CircleUserObjectPermission,
    Concern,
    Covenant,
    Meeting,
    MeetingNote,
    MeetingObservation,
    Reminder,
    ReviewMilestone,
)
from circles.services import recount_circles
from coreMembers.models import (
    CoreMember,
    CoreMemberUserObjectPermission,
    LiaisonAssignment,
    Referral,
    SharingAgreement,
)
from sharing.models import (
    InformationSharingRecord,
    InformationSharingRecordUserObjectPermission,
    RecordRecipient,
)
from volunteers.models import (
    AVAILABILITY_ALL,
    DBSCheck,
    Gender,
    TrainingRecord,
    Volunteer,
    VolunteerDistrict,
)

# Counts at scale 1 (the national picture).
FULL = {
    "core_members": 60_000,
    "open_circles": 12_000,
    "ended_circles": 24_000,
    "volunteers": 50_000,
    "coordinators": 600,
    "liaisons": 2_000,
    "managers": 20,
    "agencies": 44,
    "concerns": 200_000,
    "records": 300_000,
}
MEETINGS_PER_ENDED_CIRCLE = 50  # weekly for a year, a few cancelled
VOLUNTEERS_PER_CIRCLE = 4
FUTURE_MEETINGS = 4
TAG = "scale"  # every generated e-mail is <role><n>@scale.example.org
EMAIL_DOMAIN = "scale.example.org"
UNUSABLE_PASSWORD = "!scale"  # noqa: S105 - an unusable hash: nobody logs in with a password


def counts_for(scale):
    counts = {key: max(1, round(value * scale)) for key, value in FULL.items()}
    counts["agencies"] = max(2, counts["agencies"])
    counts["open_circles"] = min(counts["open_circles"], counts["core_members"])
    counts["ended_circles"] = min(
        counts["ended_circles"], counts["core_members"] - counts["open_circles"]
    )
    # Enough volunteers for the open circles (one open circle each at most, mostly).
    counts["volunteers"] = max(counts["volunteers"], counts["open_circles"] * 2)
    return counts


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, stream=None, enabled=True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = time.perf_counter()

    def step(self, label, done, total):
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / total) if total else width
        elapsed = time.perf_counter() - self.started
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:<9,} "
            f"{label:<28} {elapsed:7.1f} s"
        )
        self.stream.flush()

    def done(self, label):
        if self.enabled:
            self.stream.write(f"\r{label:<100}\n")
            self.stream.flush()


def _fmt(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _adapt(value):
    """A value for executemany on databases without COPY (the tests' SQLite)."""
    ops = connection.ops
    if isinstance(value, datetime.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, datetime.time):
        return ops.adapt_timefield_value(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


class Table:
    """Rows of one table: explicit keys, the given columns, constant defaults for the rest."""

    BATCH = 20_000

    def __init__(self, model, columns, *, constants=None, progress=None, label=None):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.columns = [fields[name].column for name in columns]
        constants = dict(constants or {})
        for name, field in fields.items():
            if name in columns or name in constants or field.primary_key:
                continue
            constants[name] = field.get_default()
        self.const_columns = [fields[name].column for name in constants]
        self.const_values = list(constants.values())
        self.const_text = "".join("\t" + _fmt(v) for v in self.const_values)
        self.rows = []
        self.written = 0
        self.progress = progress
        self.label = label or self.table
        self.total = 0
        self.pg = connection.vendor == "postgresql"

    def add(self, *values):
        self.rows.append(values)
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        columns = self.columns + self.const_columns
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            if self.pg:
                buffer = io.StringIO()
                const = self.const_text
                buffer.writelines("\t".join(map(_fmt, row)) + const + "\n" for row in self.rows)
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {connection.ops.quote_name(self.table)} ({names}) FROM STDIN", buffer
                )
            else:
                consts = [_adapt(v) for v in self.const_values]
                marks = ", ".join(["%s"] * len(columns))
                # Names come from model metadata; every value is bound.
                sql = f"INSERT INTO {connection.ops.quote_name(self.table)} ({names}) VALUES ({marks})"  # noqa: S608, E501
                cursor.executemany(
                    sql,
                    [[_adapt(v) for v in row] + consts for row in self.rows],
                )
        self.written += len(self.rows)
        self.rows = []
        if self.progress:
            self.progress.step(self.label, self.written, self.total or self.written)


def _next_id(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def already_generated():
    return User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exists()


def reset():
    """Delete what an earlier run generated (by its e-mail domain and references)."""
    with connection.cursor() as cursor:
        replica = False
        if connection.vendor == "postgresql":
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            # A superuser skips foreign-key triggers: the append-only access log may still
            # name generated users after a bench (its rows are never deleted).
            replica = cursor.fetchone()[0]
            if replica:
                cursor.execute("SET session_replication_role = replica")
        try:
            users = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
            core_members = CoreMember.objects.filter(reference__startswith="SC-")
            circles = Circle.objects.filter(core_member__in=core_members)
            records = InformationSharingRecord.objects.filter(core_member__in=core_members)
            group_ids = list(circles.values_list("volunteer_group_id", flat=True))
            steps = [
                RecordRecipient.objects.filter(record__in=records),
                InformationSharingRecordUserObjectPermission.objects.filter(
                    content_object__in=records
                ),
                Concern.objects.filter(circle__in=circles),
                records,
                MeetingObservation.objects.filter(note__meeting__circle__in=circles),
                MeetingNote.volunteers_present.through.objects.filter(
                    meetingnote__meeting__circle__in=circles
                ),
                MeetingNote.objects.filter(meeting__circle__in=circles),
                Meeting.objects.filter(circle__in=circles),
                ReviewMilestone.objects.filter(circle__in=circles),
                Covenant.objects.filter(circle__in=circles),
                CircleMembership.objects.filter(circle__in=circles),
                CircleUserObjectPermission.objects.filter(content_object__in=circles),
                CircleGroupObjectPermission.objects.filter(content_object__in=circles),
                circles,
                Group.objects.filter(pk__in=group_ids),
                CoreMemberUserObjectPermission.objects.filter(content_object__in=core_members),
                LiaisonAssignment.objects.filter(core_member__in=core_members),
                SharingAgreement.agencies.through.objects.filter(
                    sharingagreement__core_member__in=core_members
                ),
                SharingAgreement.objects.filter(core_member__in=core_members),
                Referral.objects.filter(core_member__in=core_members),
                core_members,
                DBSCheck.objects.filter(volunteer__user__in=users),
                TrainingRecord.objects.filter(volunteer__user__in=users),
                VolunteerDistrict.objects.filter(volunteer__user__in=users),
                Volunteer.objects.filter(user__in=users),
                User.groups.through.objects.filter(user__in=users),
                StaticToken.objects.filter(device__user__in=users),
                StaticDevice.objects.filter(user__in=users),
                Notification.objects.filter(recipient__in=users),
                Reminder.objects.filter(recipient__in=users),
                users,
                Agency.objects.filter(region__startswith="Scale "),
            ]
            for queryset in steps:
                queryset._raw_delete(queryset.db)
        finally:
            if replica:
                cursor.execute("SET session_replication_role = DEFAULT")


def _perm(model, codename):
    return Permission.objects.get(
        content_type__app_label=model._meta.app_label, codename=codename
    ).pk


def generate(scale=1.0, *, seed=10, progress=None, analyze=True):
    """Write the data set; returns {table label: rows written}."""
    generator = _Generator(scale, seed=seed, progress=progress)
    with transaction.atomic():
        for step in generator.STEPS:
            getattr(generator, step)()
        # The rows were copied in, not added through the services that keep the count.
        recount_circles()
    if analyze and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return generator.written


class _Generator:
    """One run of generate(): the counts, the clock and the keys each step leaves for the next.

    Each step writes one area of the data set and keeps, as attributes, the keys
    the later steps need (the circles' volunteers, the liaisons of each Core Member).
    """

    STEPS = (
        "write_agencies",
        "write_users",
        "write_volunteers",
        "write_core_members",
        "write_referrals",
        "write_core_member_grants_and_liaisons",
        "write_sharing_agreements",
        "write_circles",
        "write_circle_grants",
        "write_memberships",
        "write_covenants_and_reviews",
        "write_meetings_and_minutes",
        "write_concerns",
        "write_shared_records",
        "write_sequences",
    )

    def __init__(self, scale, *, seed, progress):
        self.rng = random.Random(seed)  # noqa: S311 - fictional data, reproducible
        # Fictional names as varied as real ones (a few hundred British surnames, some
        # common): search and its trigram indexes meet what a real caseload holds.
        self.faker = Faker("en_GB")
        self.faker.seed_instance(seed)
        self.progress = progress or Progress(enabled=False)
        self.n = counts_for(scale)
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.written = {}

    def table(self, model, columns, label, total, constants=None):
        t = Table(model, columns, constants=constants, progress=self.progress, label=label)
        t.total = total
        return t

    def finish(self, t):
        t.flush()
        self.written[t.label] = t.written
        self.progress.done(f"{t.label}: {t.written:,} rows")

    def write_agencies(self):
        """Agencies: probation and police services, alternately."""
        n, table, finish = self.n, self.table, self.finish
        agency_id = _next_id(Agency)
        kinds = [Agency.Kind.PROBATION, Agency.Kind.POLICE_PPU]
        t = table(Agency, ["id", "name", "kind", "region"], "agencies", n["agencies"])
        agencies = []
        for i in range(n["agencies"]):
            kind = kinds[i % 2]
            t.add(agency_id + i, f"{kind.label} service {i // 2 + 1}", kind, f"Scale {i // 2 + 1}")
            agencies.append(agency_id + i)
        finish(t)
        probation = agencies[0::2]
        police = agencies[1::2] or agencies
        self.probation = probation
        self.police = police

    def write_users(self):
        """Users of every role (liaisons at an agency); managers join the managers group."""
        n = self.n
        now = self.now
        table = self.table
        finish = self.finish
        probation = self.probation
        police = self.police
        user_id = _next_id(User)
        t = table(
            User,
            ["id", "email", "first_name", "last_name", "role", "agency_id", "is_staff"],
            "users",
            n["managers"] + n["coordinators"] + n["liaisons"] + n["volunteers"],
            constants={"password": UNUSABLE_PASSWORD, "date_joined": now},
        )
        ids = {}
        next_user = user_id
        for role, count, label in (
            (User.Role.MANAGER, n["managers"], "manager"),
            (User.Role.COORDINATOR, n["coordinators"], "coordinator"),
            (User.Role.LIAISON, n["liaisons"], "liaison"),
            (User.Role.VOLUNTEER, n["volunteers"], "volunteer"),
        ):
            ids[role] = list(range(next_user, next_user + count))
            for i, pk in enumerate(ids[role]):
                agency = None
                if role == User.Role.LIAISON:
                    agency = (
                        probation[i % len(probation)] if i % 2 == 0 else police[i % len(police)]
                    )
                t.add(
                    pk,
                    f"{label}{i}@{EMAIL_DOMAIN}",
                    self.faker.first_name(),
                    self.faker.last_name(),
                    role,
                    agency,
                    role == User.Role.MANAGER,
                )
            next_user += count
        finish(t)
        managers = ids[User.Role.MANAGER]
        coordinators = ids[User.Role.COORDINATOR]
        liaisons = ids[User.Role.LIAISON]
        liaison_agency = {
            pk: (probation[i % len(probation)] if i % 2 == 0 else police[i % len(police)])
            for i, pk in enumerate(liaisons)
        }
        # Liaisons of each kind, for pairing an offender manager with a police officer.
        liaisons_probation = liaisons[0::2]
        liaisons_police = liaisons[1::2] or liaisons

        # Managers group membership (accounts.services.user_create does the same).
        from accounts.services import managers_group

        group = managers_group()
        t = table(User.groups.through, ["user_id", "group_id"], "manager groups", len(managers))
        for pk in managers:
            t.add(pk, group.pk)
        finish(t)
        self.ids = ids
        self.managers = managers
        self.coordinators = coordinators
        self.liaisons = liaisons
        self.liaison_agency = liaison_agency
        self.liaisons_probation = liaisons_probation
        self.liaisons_police = liaisons_police

    def write_volunteers(self):
        """Volunteers, each with a DBS check and initial training."""
        now, today, table, finish, ids = self.now, self.today, self.table, self.finish, self.ids
        volunteer_id = _next_id(Volunteer)
        vol_users = ids[User.Role.VOLUNTEER]
        t = table(
            Volunteer,
            [
                "id",
                "user_id",
                "status",
                "applied_on",
                "started_on",
                "postcode_area",
                "availability",
                "gender",
            ],
            "volunteers",
            len(vol_users),
        )
        volunteers = []
        genders = [Gender.WOMAN, Gender.MAN, Gender.WOMAN, Gender.NON_BINARY, ""]
        for i, user_pk in enumerate(vol_users):
            applied = today - datetime.timedelta(days=400 + i % 1500)
            t.add(
                volunteer_id + i,
                user_pk,
                Volunteer.Status.ACTIVE,
                applied,
                applied + datetime.timedelta(days=90),
                f"SC{i % 99 + 1}",
                # A spread of weekly patterns, some not recorded (0).
                (i * 2_654_435_761) % (AVAILABILITY_ALL + 1) if i % 7 else 0,
                genders[i % len(genders)],
            )
            volunteers.append(volunteer_id + i)
        finish(t)
        # Every other volunteer travels to the next district; one in 25 declared a conflict.
        district_id = _next_id(VolunteerDistrict)
        t = table(
            VolunteerDistrict,
            ["id", "volunteer_id", "kind", "district"],
            "volunteer districts",
            len(volunteers) // 2 + len(volunteers) // 25 + 2,
        )
        row = 0
        for i, pk in enumerate(volunteers):
            if i % 2 == 0:
                t.add(district_id + row, pk, VolunteerDistrict.Kind.TRAVEL, f"SC{(i + 1) % 99 + 1}")
                row += 1
            if i % 25 == 0:
                t.add(
                    district_id + row, pk, VolunteerDistrict.Kind.CONFLICT, f"SC{(i + 3) % 99 + 1}"
                )
                row += 1
        finish(t)
        dbs_id = _next_id(DBSCheck)
        cert_base = 900_000_000_000 + dbs_id
        t = table(
            DBSCheck,
            ["id", "volunteer_id", "certificate_number", "issued_on", "recheck_due_on"],
            "DBS checks",
            len(volunteers),
            constants={"recorded_at": now},
        )
        for i, pk in enumerate(volunteers):
            issued = today - datetime.timedelta(days=30 + i % 1000)
            t.add(
                dbs_id + i,
                pk,
                f"{cert_base + i:012d}",
                issued,
                issued.replace(year=issued.year + 3)
                if not (issued.month == 2 and issued.day == 29)
                else issued + datetime.timedelta(days=365 * 3 + 1),
            )
        finish(t)
        training_id = _next_id(TrainingRecord)
        t = table(
            TrainingRecord,
            ["id", "volunteer_id", "course", "completed_on"],
            "training",
            len(volunteers),
        )
        for i, pk in enumerate(volunteers):
            t.add(
                training_id + i,
                pk,
                TrainingRecord.Course.INITIAL,
                today - datetime.timedelta(days=300 + i % 1000),
            )
        finish(t)
        self.volunteers = volunteers
        self.vol_users = vol_users

    def write_core_members(self):
        """Core Members in every status: in a circle, ended, waiting, not accepted."""
        n, now, table, finish = self.n, self.now, self.table, self.finish
        coordinators = self.coordinators
        cm_id = _next_id(CoreMember)
        n_open, n_ended, n_cm = n["open_circles"], n["ended_circles"], n["core_members"]
        n_waiting = (n_cm - n_open - n_ended) // 2
        t = table(
            CoreMember,
            [
                "id",
                "reference",
                "first_name",
                "last_name",
                "date_of_birth",
                "status",
                "coordinator_id",
                "mappa_category",
                "mappa_level",
                "probation_crn",
                "offence_summary",
                "home_district",
                "exclusion_districts",
            ],
            "core members",
            n_cm,
            constants={"created_at": now},
        )
        core_members = []  # (pk, status, coordinator)
        for i in range(n_cm):
            if i < n_open:
                status = CoreMember.Status.IN_CIRCLE
            elif i < n_open + n_ended:
                status = CoreMember.Status.ENDED
            elif i < n_open + n_ended + n_waiting:
                status = CoreMember.Status.ACCEPTED
            else:
                status = CoreMember.Status.NOT_ACCEPTED
            coordinator = coordinators[i % len(coordinators)]
            pk = cm_id + i
            t.add(
                pk,
                f"SC-{pk:07d}",
                self.faker.first_name_male(),
                self.faker.last_name(),
                datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                status,
                coordinator,
                1,
                1 + i % 3,
                f"X{i:06d}",
                "Fictional offence summary for scale testing.",
                f"SC{i % 99 + 1}",
                [f"SC{(i + 5) % 99 + 1}"],
            )
            core_members.append((pk, status, coordinator))
        finish(t)
        self.n_open = n_open
        self.n_ended = n_ended
        self.n_cm = n_cm
        self.core_members = core_members

    def write_referrals(self):
        """The referral that brought each Core Member, decided unless still assessed."""
        now, today, table, finish = self.now, self.today, self.table, self.finish
        probation, core_members, n_cm = self.probation, self.core_members, self.n_cm
        referral_id = _next_id(Referral)
        t = table(
            Referral,
            [
                "id",
                "core_member_id",
                "source_agency_id",
                "referrer_name",
                "received_on",
                "reason",
                "status",
                "coordinator_id",
                "decision_reason",
                "decided_at",
                "decided_by_id",
            ],
            "referrals",
            n_cm,
        )
        referral_of = {}
        for i, (pk, status, coordinator) in enumerate(core_members):
            if status == CoreMember.Status.NOT_ACCEPTED:
                r_status, reason = Referral.Status.DECLINED, "Not suitable at this time."
            elif status == CoreMember.Status.ACCEPTED and i % 2:
                r_status, reason = Referral.Status.ASSESSING, ""
            else:
                r_status, reason = Referral.Status.ACCEPTED, ""
            received = today - datetime.timedelta(days=60 + (i * 7) % 900)
            decided = r_status != Referral.Status.ASSESSING
            t.add(
                referral_id + i,
                pk,
                probation[i % len(probation)],
                f"Referrer {i}",
                received,
                "Fictional referral reason.",
                r_status,
                coordinator,
                reason,
                now if decided else None,
                coordinator if decided else None,
            )
            referral_of[pk] = referral_id + i
        finish(t)
        self.referral_of = referral_of

    def write_core_member_grants_and_liaisons(self):
        """Full-record grants to each Core Member's coordinator; liaison assignments."""
        today = self.today
        table = self.table
        finish = self.finish
        core_members = self.core_members
        n_open = self.n_open
        n_ended = self.n_ended
        n_cm = self.n_cm
        liaisons_probation = self.liaisons_probation
        liaisons_police = self.liaisons_police
        cm_perms = [_perm(CoreMember, c) for c in ("view_coremember", "change_coremember")]
        identity = _perm(CoreMember, "view_identity")
        t = table(
            CoreMemberUserObjectPermission,
            ["content_object_id", "user_id", "permission_id"],
            "core member grants",
            n_cm * 3,
        )
        for pk, _status, coordinator in core_members:
            for perm in (*cm_perms, identity):
                t.add(pk, coordinator, perm)
        # Liaison assignments of Core Members in an open circle grant view_identity.
        assignments = []  # (cm, liaison, role, started, ended)
        for i, (pk, status, _c) in enumerate(core_members[: n_open + n_ended]):
            started = today - datetime.timedelta(days=400 + i % 300)
            ended = (
                None
                if status == CoreMember.Status.IN_CIRCLE
                else today - datetime.timedelta(days=30 + i % 200)
            )
            om = liaisons_probation[i % len(liaisons_probation)]
            ppu = liaisons_police[(i * 7) % len(liaisons_police)]
            assignments.append((pk, om, LiaisonAssignment.Role.OFFENDER_MANAGER, started, ended))
            if ppu != om:
                assignments.append((pk, ppu, LiaisonAssignment.Role.POLICE_PPU, started, ended))
        for pk, liaison, _role, _s, ended in assignments:
            if ended is None:
                t.add(pk, liaison, identity)
        finish(t)
        t = table(
            LiaisonAssignment,
            ["core_member_id", "liaison_id", "role", "started_on", "ended_on"],
            "liaison assignments",
            len(assignments),
        )
        for row in assignments:
            t.add(*row)
        finish(t)
        self.assignments = assignments

    def write_sharing_agreements(self):
        """Sharing agreements naming the two assigned liaisons' agencies."""
        today = self.today
        table = self.table
        finish = self.finish
        assignments = self.assignments
        liaison_agency = self.liaison_agency
        core_members = self.core_members
        n_open = self.n_open
        n_ended = self.n_ended
        agreement_id = _next_id(SharingAgreement)
        t = table(
            SharingAgreement,
            ["id", "core_member_id", "version", "signed_on", "expires_on", "recorded_by_id"],
            "sharing agreements",
            n_open + n_ended,
        )
        m2m = table(
            SharingAgreement.agencies.through,
            ["sharingagreement_id", "agency_id"],
            "agreement agencies",
            (n_open + n_ended) * 2,
        )
        by_cm = {}
        for pk, liaison, *_rest in assignments:
            by_cm.setdefault(pk, set()).add(liaison_agency[liaison])
        for i, (pk, _status, coordinator) in enumerate(core_members[: n_open + n_ended]):
            signed = today - datetime.timedelta(days=300 + i % 60)
            t.add(
                agreement_id + i, pk, 1, signed, signed + datetime.timedelta(days=730), coordinator
            )
            for agency in sorted(by_cm.get(pk, ())):
                m2m.add(agreement_id + i, agency)
        finish(t)
        finish(m2m)

    def write_circles(self):
        """Open and ended circles, each with its volunteers' group."""
        today, table, finish = self.today, self.table, self.finish
        core_members, referral_of = self.core_members, self.referral_of
        n_open, n_ended = self.n_open, self.n_ended
        circle_id = _next_id(Circle)
        group_id = _next_id(Group)
        n_circles = n_open + n_ended
        circles = []  # (pk, cm, coordinator, launched, ended_on, group)
        g = table(Group, ["id", "name"], "circle groups", n_circles)
        t = table(
            Circle,
            [
                "id",
                "core_member_id",
                "referral_id",
                "coordinator_id",
                "name",
                "status",
                "weekday",
                "venue",
                "pattern_starts_on",
                "launched_on",
                "planned_end_on",
                "ended_on",
                "end_reason",
                "volunteer_group_id",
                "created_at",
            ],
            "circles",
            n_circles,
        )
        for i, (cm, status, coordinator) in enumerate(core_members[:n_circles]):
            pk, group = circle_id + i, group_id + i
            is_open = status == CoreMember.Status.IN_CIRCLE
            if is_open:
                launched = today - datetime.timedelta(days=14 + (i * 13) % 340)
                ended_on, c_status, reason = None, Circle.Status.ACTIVE, ""
            else:
                launched = today - datetime.timedelta(days=420 + (i * 11) % 2200)
                ended_on = launched + datetime.timedelta(weeks=MEETINGS_PER_ENDED_CIRCLE + 2)
                c_status, reason = Circle.Status.ENDED, Circle.EndReason.COMPLETED
            weekday = launched.weekday()
            g.add(group, f"circle-{pk}-volunteers")
            t.add(
                pk,
                cm,
                referral_of[cm],
                coordinator,
                f"{weekday_name(weekday)} circle {i}",
                c_status,
                weekday,
                "Community hall",
                launched,
                launched,
                launched + datetime.timedelta(days=365),
                ended_on,
                reason,
                group,
                timezone.make_aware(datetime.datetime.combine(launched, datetime.time(9))),
            )
            circles.append((pk, cm, coordinator, launched, ended_on, group))
        finish(g)
        finish(t)
        self.circles = circles
        self.n_circles = n_circles

    def write_circle_grants(self):
        """The coordinator's grants on each circle, and its volunteers' group's."""
        table, finish, circles, n_circles = self.table, self.finish, self.circles, self.n_circles
        circle_perms = [_perm(Circle, c) for c in ("view_circle", "change_circle", "view_briefing")]
        t = table(
            CircleUserObjectPermission,
            ["content_object_id", "user_id", "permission_id"],
            "circle coordinator grants",
            n_circles * 3,
        )
        for pk, _cm, coordinator, *_rest in circles:
            for perm in circle_perms:
                t.add(pk, coordinator, perm)
        finish(t)
        t = table(
            CircleGroupObjectPermission,
            ["content_object_id", "group_id", "permission_id"],
            "circle group grants",
            n_circles * 2,
        )
        for pk, _cm, _c, _l, _e, group in circles:
            t.add(pk, group, circle_perms[0])
            t.add(pk, group, circle_perms[2])
        finish(t)

    def write_memberships(self):
        """Each open circle's volunteers are distinct; ended ones reuse them."""
        table, finish, circles, n_circles = self.table, self.finish, self.circles, self.n_circles
        volunteers, vol_users = self.volunteers, self.vol_users
        membership = table(
            CircleMembership,
            ["circle_id", "volunteer_id", "role", "joined_on", "left_on"],
            "memberships",
            n_circles * VOLUNTEERS_PER_CIRCLE,
        )
        groups = table(User.groups.through, ["user_id", "group_id"], "volunteer groups", 0)
        vol_user = dict(zip(volunteers, vol_users, strict=True))
        members_of = {}
        for i, (pk, _cm, _c, launched, ended_on, group) in enumerate(circles):
            chosen = [
                volunteers[(i * VOLUNTEERS_PER_CIRCLE + k) % len(volunteers)]
                for k in range(VOLUNTEERS_PER_CIRCLE)
            ]
            members_of[pk] = chosen
            for k, volunteer in enumerate(chosen):
                role = CircleMembership.Role.PRIMARY if k == 0 else CircleMembership.Role.VOLUNTEER
                membership.add(pk, volunteer, role, launched - datetime.timedelta(days=7), ended_on)
                if ended_on is None:
                    groups.add(vol_user[volunteer], group)
        finish(membership)
        groups.total = groups.written
        finish(groups)
        self.members_of = members_of
        self.vol_user = vol_user

    def write_covenants_and_reviews(self):
        """A covenant and the four review milestones of each circle."""
        today = self.today
        table = self.table
        finish = self.finish
        circles = self.circles
        n_circles = self.n_circles
        t = table(
            Covenant,
            ["circle_id", "version", "goals", "frequency", "agreed_on", "recorded_by_id"],
            "covenants",
            n_circles,
        )
        for pk, _cm, coordinator, launched, _e, _g in circles:
            t.add(pk, 1, "Fictional goals agreed by the circle.", "WEEKLY", launched, coordinator)
        finish(t)
        t = table(
            ReviewMilestone,
            ["circle_id", "kind", "due_on", "completed_on", "decision", "completed_by_id"],
            "review milestones",
            n_circles * 4,
        )
        for pk, _cm, coordinator, launched, _e, _g in circles:
            for months, kind in ((3, "M3"), (6, "M6"), (9, "M9"), (12, "M12")):
                due = launched + datetime.timedelta(days=months * 30)
                done = due < today - datetime.timedelta(days=3)
                t.add(
                    pk,
                    kind,
                    due,
                    due if done else None,
                    ReviewMilestone.Decision.CONTINUE if done else "",
                    coordinator if done else None,
                )
        finish(t)

    def write_meetings_and_minutes(self):
        """Weekly meetings of each circle, minutes for the held ones."""
        now = self.now
        today = self.today
        rng = self.rng
        table = self.table
        finish = self.finish
        circles = self.circles
        members_of = self.members_of
        vol_user = self.vol_user
        meeting_id = _next_id(Meeting)
        note_id = _next_id(MeetingNote)
        est = sum(
            (MEETINGS_PER_ENDED_CIRCLE if e else (today - launched).days // 7 + FUTURE_MEETINGS)
            for _p, _c, _co, launched, e, _g in circles
        )
        meetings = table(
            Meeting,
            ["id", "circle_id", "starts_at", "venue", "status", "cancelled_reason"],
            "meetings",
            est,
            constants={"duration_minutes": 90, "kind": Meeting.Kind.GROUP},
        )
        notes = table(
            MeetingNote,
            [
                "id",
                "meeting_id",
                "circle_id",
                "author_id",
                "attendance",
                "summary",
                "risk_mood",
                "risk_isolation",
                "status",
                "created_at",
                "submitted_at",
                "reviewed_by_id",
                "reviewed_at",
            ],
            "minutes",
            est,
        )
        held_meetings = {}  # circle -> a few held meeting ids (for concerns)
        mid, nid = meeting_id, note_id
        six_thirty = datetime.time(18, 30)
        for pk, _cm, coordinator, launched, ended_on, _g in circles:
            if ended_on:
                count = MEETINGS_PER_ENDED_CIRCLE
            else:
                count = (today - launched).days // 7 + FUTURE_MEETINGS
            author = vol_user[members_of[pk][0]]
            sample = held_meetings.setdefault(pk, [])
            for k in range(count):
                day = launched + datetime.timedelta(weeks=k)
                starts = timezone.make_aware(datetime.datetime.combine(day, six_thirty))
                if starts > now:
                    meetings.add(mid, pk, starts, "Community hall", Meeting.Status.SCHEDULED, "")
                elif k % 17 == 5:
                    meetings.add(
                        mid, pk, starts, "Community hall", Meeting.Status.CANCELLED, "Holiday"
                    )
                else:
                    meetings.add(mid, pk, starts, "Community hall", Meeting.Status.HELD, "")
                    written_at = starts + datetime.timedelta(hours=3)
                    reviewed = written_at < now - datetime.timedelta(days=7)
                    notes.add(
                        nid,
                        mid,
                        pk,
                        author,
                        MeetingNote.Attendance.YES,
                        "Fictional minutes: the circle met and talked about the week.",
                        rng.randint(0, 3),
                        rng.randint(0, 3),
                        MeetingNote.Status.REVIEWED if reviewed else MeetingNote.Status.SUBMITTED,
                        written_at,
                        written_at,
                        coordinator if reviewed else None,
                        written_at + datetime.timedelta(days=2) if reviewed else None,
                    )
                    nid += 1
                    if len(sample) < 8:
                        sample.append((mid, starts))
                mid += 1
        meetings.total = meetings.written + len(meetings.rows)
        finish(meetings)
        notes.total = notes.written + len(notes.rows)
        finish(notes)
        self.held_meetings = held_meetings

    def write_concerns(self):
        """Concerns raised after held meetings, most closed."""
        n = self.n
        table = self.table
        finish = self.finish
        circles = self.circles
        n_circles = self.n_circles
        held_meetings = self.held_meetings
        members_of = self.members_of
        vol_user = self.vol_user
        concern_id = _next_id(Concern)
        t = table(
            Concern,
            [
                "id",
                "circle_id",
                "meeting_id",
                "raised_by_id",
                "raised_at",
                "category",
                "severity",
                "description",
                "status",
                "triaged_by_id",
                "triaged_at",
                "closed_reason",
            ],
            "concerns",
            n["concerns"],
        )
        categories = [c for c, _ in Concern.Category.choices]
        concern_circle = []
        for i in range(n["concerns"]):
            pk, _cm, coordinator, _l, ended_on, _g = circles[(i * 7919) % n_circles]
            sample = held_meetings.get(pk) or []
            if not sample:
                continue
            meeting, starts = sample[i % len(sample)]
            recent = ended_on is None and i % 50 == 0
            status = Concern.Status.RAISED if recent else Concern.Status.CLOSED
            raised_at = starts + datetime.timedelta(hours=4)
            t.add(
                concern_id + i,
                pk,
                meeting,
                vol_user[members_of[pk][i % VOLUNTEERS_PER_CIRCLE]],
                raised_at,
                categories[i % len(categories)],
                Concern.Severity.RED if i % 10 == 0 else Concern.Severity.AMBER,
                "Fictional concern raised after a meeting.",
                status,
                None if recent else coordinator,
                None if recent else raised_at + datetime.timedelta(hours=2),
                "" if recent else "Talked through at the next meeting.",
            )
            concern_circle.append(concern_id + i)
        finish(t)

    def write_shared_records(self):
        """Shared records, their recipients (the assigned liaisons) and grants."""
        n = self.n
        now = self.now
        today = self.today
        table = self.table
        finish = self.finish
        circles = self.circles
        n_circles = self.n_circles
        assignments = self.assignments
        record_id = _next_id(InformationSharingRecord)
        rec = table(
            InformationSharingRecord,
            [
                "id",
                "core_member_id",
                "circle_id",
                "category",
                "urgency",
                "summary",
                "details",
                "status",
                "created_by_id",
                "created_at",
                "shared_at",
                "shared_by_id",
            ],
            "shared records",
            n["records"],
        )
        recipients = table(
            RecordRecipient,
            [
                "record_id",
                "liaison_id",
                "notified_at",
                "acknowledge_due_at",
                "acknowledged_at",
                "response",
            ],
            "record recipients",
            n["records"] * 2,
        )
        grants = table(
            InformationSharingRecordUserObjectPermission,
            ["content_object_id", "user_id", "permission_id"],
            "record grants",
            n["records"] * 4,
        )
        record_perms = [
            _perm(InformationSharingRecord, c)
            for c in ("view_informationsharingrecord", "acknowledge_record")
        ]
        liaisons_of = {}
        for cm, liaison, _role, _s, _e in assignments:
            liaisons_of.setdefault(cm, []).append(liaison)
        categories = [c for c, _ in InformationSharingRecord.Category.choices]
        for i in range(n["records"]):
            pk, cm, coordinator, launched, ended_on, _g = circles[(i * 104729) % n_circles]
            end = ended_on or today
            span = max(1, (end - launched).days)
            shared_day = launched + datetime.timedelta(days=(i * 31) % span)
            shared_at = timezone.make_aware(
                datetime.datetime.combine(shared_day, datetime.time(11))
            )
            if shared_at > now:
                shared_at = now - datetime.timedelta(hours=1)
            waiting = ended_on is None and i % 20 == 0
            rec.add(
                record_id + i,
                cm,
                pk,
                categories[i % len(categories)],
                InformationSharingRecord.Urgency.ROUTINE,
                f"Fictional update {i}",
                "Fictional details of what the circle learned.",
                InformationSharingRecord.Status.SHARED
                if waiting
                else InformationSharingRecord.Status.ACKNOWLEDGED,
                coordinator,
                shared_at,
                shared_at,
                coordinator,
            )
            due = shared_at + datetime.timedelta(days=7)
            for liaison in liaisons_of.get(cm, []):
                recipients.add(
                    record_id + i,
                    liaison,
                    shared_at,
                    due,
                    None if waiting else shared_at + datetime.timedelta(days=1),
                    "" if waiting else "Noted and passed to the offender manager.",
                )
                for perm in record_perms:
                    grants.add(record_id + i, liaison, perm)
        finish(rec)
        finish(recipients)
        finish(grants)

    def write_sequences(self):
        """Sequences moved past the explicit keys."""
        models = [
            Agency,
            User,
            Volunteer,
            VolunteerDistrict,
            DBSCheck,
            TrainingRecord,
            CoreMember,
            Referral,
            SharingAgreement,
            Group,
            Circle,
            Meeting,
            MeetingNote,
            Concern,
            InformationSharingRecord,
        ]
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def no_style():
    from django.core.management.color import no_style as _no_style

    return _no_style()


def weekday_name(weekday):
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[weekday]
