"""The fictional demo organisation behind ``manage.py seed_demo`` and ``demo_logins``.

Every person, place and reference here is invented; every e-mail address is at
``example.org``. Rows are made through the write services wherever one exists,
so the state transitions, validation and django-guardian grants are exactly
those of real use. Only Agency (no service) is saved directly.

The services stamp ``timezone.now()`` on created / submitted / reviewed /
shared times. A year of history stamped "today" would make every set of minutes
look months late, so after the services have run, those timestamps (and only
those: never a state, a foreign key or a grant) are moved back to when the work
would have happened. See ``_backdate``.

Variation comes from ``random.Random(RANDOM_SEED)``, so the data is the same
for a given date.
"""

import datetime
import random
import zoneinfo
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User
from accounts.services import user_create
from circles import bank_holidays, scheduling
from circles import services as circle_services
from circles.models import (
    Circle,
    CircleMembership,
    Concern,
    Frequency,
    Meeting,
    MeetingNote,
    ReviewMilestone,
    Weekday,
)
from coreMembers import services as cm_services
from coreMembers.models import (
    CoreMember,
    LiaisonAssignment,
    MappaCategory,
    MappaLevel,
    RiskAssessment,
)
from cosa.services import acting_as, validated_save
from outcomes import services as outcome_services
from outcomes.models import OutcomeEvent
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord
from volunteers import services as volunteer_services
from volunteers.models import TrainingRecord, Volunteer, VolunteerHours

DEMO_DOMAIN = "example.org"
# A published demo password: demo_logins prints it. 12+ characters, not a common one.
DEMO_PASSWORD = "cosa-demo-2026!"  # noqa: S105
MANAGER_EMAIL = f"manager@{DEMO_DOMAIN}"
RANDOM_SEED = 2026

LONDON = zoneinfo.ZoneInfo("Europe/London")
MEETING_TIME = datetime.time(18, 30)
PRISON_VISIT_TIME = datetime.time(14, 0)
REGION = "Northshire"


def demo_data_present() -> bool:
    return User.objects.filter(email=MANAGER_EMAIL).exists()


def seed_demo() -> dict | None:
    """Create the demo organisation in one transaction; ``None`` if it is already there."""
    with transaction.atomic():
        if demo_data_present():
            return None
        builder = _DemoBuilder(now=timezone.now())
        builder.build()
        return builder.summary()


def demo_logins(*, volunteers: int = 3) -> list[dict]:
    """One row per demo login worth trying, read from the database.

    Every manager, coordinator and liaison at the demo domain, and the first
    ``volunteers`` volunteers who are currently in an open circle (primary
    volunteers first). Deactivated accounts are left out.
    """
    users = User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}", is_active=True)
    rows = []
    for user in users.filter(role=User.Role.MANAGER).order_by("email"):
        rows.append(_login_row(user, "Service manager; sees everything"))
    coordinators = users.filter(role=User.Role.COORDINATOR).prefetch_related("coordinated_circles")
    for user in coordinators.order_by("last_name", "first_name"):
        circles = [c.name for c in user.coordinated_circles.all() if c.is_open]
        rows.append(_login_row(user, ", ".join(sorted(circles)) or "No open circle"))
    memberships = (
        CircleMembership.objects.current()
        .filter(
            volunteer__user__in=users.filter(role=User.Role.VOLUNTEER),
            circle__status__in=[Circle.Status.ACTIVE, Circle.Status.STEP_DOWN],
        )
        .select_related("volunteer__user", "circle")
        # PRIMARY sorts before VOLUNTEER: primary volunteers first.
        .order_by("role", "circle__weekday", "volunteer__user__last_name")
    )
    seen = set()
    for membership in memberships:
        user = membership.volunteer.user
        if user.pk in seen or len(seen) >= volunteers:
            continue
        seen.add(user.pk)
        rows.append(_login_row(user, f"{membership.get_role_display()}, {membership.circle.name}"))
    liaisons = users.filter(role=User.Role.LIAISON).select_related("agency")
    for user in liaisons.order_by("agency__name", "last_name"):
        rows.append(_login_row(user, str(user.agency)))
    return rows


DEMO_CODES_DEVICE = "Demo backup codes"
# Every demo account keeps this many unused backup codes: a code works once, so
# ten let anyone log in as each demo person several times over.
DEMO_CODES_KEPT = 10


def demo_backup_codes(user) -> list[str]:
    """The demo account's unused backup codes, topped up to ten (oldest first).

    Backup codes are the demo's only second factor: there is no authenticator
    secret to share, so whoever wants one sets it up from the account menu.
    """
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=DEMO_CODES_DEVICE, defaults={"confirmed": True}
    )
    missing = DEMO_CODES_KEPT - device.token_set.count()
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=StaticToken.random_token()) for _ in range(missing)
    )
    return list(device.token_set.order_by("pk").values_list("token", flat=True))


def demo_two_factor_code(user) -> str:
    """One unused backup code for a demo account (the two-factor step)."""
    return demo_backup_codes(user)[0]


def _login_row(user, note):
    return {
        "role": user.get_role_display(),
        "name": user.get_full_name(),
        "email": user.email,
        # Checked, not assumed: someone may have changed a demo password since.
        "password": DEMO_PASSWORD if user.check_password(DEMO_PASSWORD) else "(changed)",
        "user": user,
        "note": note,
    }


# Fictional people. Phone numbers are in Ofcom's 07700 900xxx range kept for drama.
MANAGER = ("Harriet", "Quill")
COORDINATORS = {
    "tomasz": ("Tomasz", "Brennan"),
    "ruth": ("Ruth", "Okafor"),
    "dylan": ("Dylan", "Ashworth"),
}
AGENCIES = {
    "probation": ("Northshire Probation Delivery Unit", Agency.Kind.PROBATION),
    "police": ("Northshire Police Public Protection Unit", Agency.Kind.POLICE_PPU),
    "mappa": ("Northshire MAPPA Coordination Unit", Agency.Kind.MAPPA),
    "prison": ("HMP Ashcombe", Agency.Kind.PRISON),
}
LIAISONS = {
    "om": ("Sandra", "Holloway", "probation", LiaisonAssignment.Role.OFFENDER_MANAGER),
    "ppu": ("Marcus", "Venn", "police", LiaisonAssignment.Role.POLICE_PPU),
    "mappa": ("Leah", "Corbett", "mappa", LiaisonAssignment.Role.MAPPA),
}
# key: first, last, postcode area, final status, DBS issued this many days ago.
# Every active volunteer's DBS predates the launch of the circles they are in;
# Gwen's recheck falls due within 60 days (set in _build_volunteers).
VOLUNTEERS = {
    "alys": ("Alys", "Penrose", "NS1", Volunteer.Status.ACTIVE, 640),
    "bernard": ("Bernard", "Fairlie", "NS2", Volunteer.Status.ACTIVE, 560),
    "carys": ("Carys", "Whitlow", "NS1", Volunteer.Status.ACTIVE, 720),
    "desmond": ("Desmond", "Oduya", "NS4", Volunteer.Status.ACTIVE, 505),
    "esther": ("Esther", "Kaminski", "NS3", Volunteer.Status.ACTIVE, 600),
    "fergus": ("Fergus", "Tremayne", "NS2", Volunteer.Status.ACTIVE, 810),
    "gwen": ("Gwen", "Harcourt", "NS5", Volunteer.Status.ACTIVE, None),
    "hamid": ("Hamid", "Rahimi", "NS3", Volunteer.Status.ACTIVE, 530),
    "imogen": ("Imogen", "Stroud", "NS6", Volunteer.Status.ACTIVE, 760),
    "jonah": ("Jonah", "Pellow", "NS4", Volunteer.Status.ACTIVE, 515),
    "lionel": ("Lionel", "Brackett", "NS2", Volunteer.Status.LEFT, 690),
    "maeve": ("Maeve", "Dunmore", "NS5", Volunteer.Status.PAUSED, 900),
    "nico": ("Nico", "Farrant", "NS1", Volunteer.Status.TRAINING, 30),
    "olwen": ("Olwen", "Pryce", "NS6", Volunteer.Status.VETTING, None),
    "piotr": ("Piotr", "Zielinski", "NS3", Volunteer.Status.APPLIED, None),
}
REFEREES = [
    ("Margaret Ellery", "Employer"),
    ("Revd Simon Hartley", "Church minister"),
    ("Joanne Tull", "Former colleague"),
    ("Peter Oyelaran", "Friend of 12 years"),
    ("Catriona Beck", "Volunteer centre manager"),
    ("Owen Lathbury", "Neighbour"),
]
SUPERVISION_NOTES = [
    "Reflected on boundaries after the Core Member asked about her family; handled well.",
    "Talked through the emotional weight of recent disclosures. Offered the peer support group.",
    "Good insight into the no-secrets principle. Wants more practice writing risk observations.",
    "Discussed balancing support and accountability when the Core Member is low.",
    "Checked in on wellbeing after a difficult meeting; no further support needed for now.",
    "Reviewed minute-writing: clear and prompt. Interested in the refresher training.",
]


# Dynamic-risk trajectories: per indicator, (point in the circle's life 0..1, level 0..3).
# Each circle tells a plausible story; a little noise is added meeting by meeting.
_LOW = ((0, 0.5), (1, 0.3))
RISK_STORIES = {
    # Tuesday: a new relationship disclosed about five months in (the shared RED concern),
    # settling, then isolation and preoccupation rising before this week's imminent concern.
    "A": {
        "risk_mood": ((0, 1.5), (0.5, 1), (0.85, 1), (1, 2)),
        "risk_isolation": ((0, 2), (0.4, 1), (0.85, 1), (1, 2.6)),
        "risk_relationships": ((0, 1), (0.36, 1), (0.42, 2.8), (0.55, 1.6), (0.7, 1), (1, 1.5)),
        "risk_sexual_preoccupation": ((0, 1), (0.5, 0.6), (0.8, 0.6), (1, 2.4)),
        "risk_emotional_regulation": ((0, 1), (0.85, 0.8), (1, 2)),
        "risk_compliance": ((0, 0.6), (0.4, 1.6), (0.55, 0.6), (0.9, 0.6), (1, 1.6)),
    },
    # Wednesday: steady improvement, stepping down at nine months, then a job loss.
    "B": {
        "risk_mood": ((0, 2), (0.6, 0.7), (0.86, 0.7), (0.9, 2.4), (1, 1.8)),
        "risk_isolation": ((0, 2.2), (0.7, 0.6), (0.88, 0.6), (1, 1.6)),
        "risk_emotional_regulation": ((0, 1.2), (0.6, 0.4), (0.9, 1.2), (1, 1)),
    },
    # Thursday (through the gate): a wobble with alcohol soon after release.
    "C": {
        "risk_mood": ((0, 2), (0.5, 1), (1, 0.8)),
        "risk_substance_use": ((0, 0.3), (0.2, 0.5), (0.27, 2.2), (0.4, 1), (1, 0.4)),
        "risk_compliance": ((0, 0.2), (0.22, 0.5), (0.27, 1.8), (0.45, 0.4), (1, 0.3)),
        "risk_isolation": ((0, 1), (0.25, 2), (0.6, 1), (1, 0.6)),
    },
    # Monday (ended, completed): a gentle decline to almost nothing.
    "D": {
        "risk_mood": ((0, 1.6), (1, 0.3)),
        "risk_isolation": ((0, 2.2), (1, 0.6)),
        "risk_relationships": ((0, 1.2), (0.3, 1.6), (1, 0.3)),
        "risk_emotional_regulation": ((0, 1), (1, 0.2)),
    },
}

TOPICS = [
    "his week and the jobs he has been doing at the allotment",
    "looking for work and a CV the circle helped him update",
    "his last supervision appointment with probation and what was agreed",
    "how he fills the weekends, which are still the hardest time",
    "a difficult phone call with his sister",
    "budgeting, a benefits letter and a plan to sort it out",
    "what the conditions of his licence mean day to day",
    "building a routine: getting up, the gym, the library",
    "his volunteering shift at the community food bank",
    "a GP appointment about his sleep",
    "what he would do if the old thoughts came back, and who he would tell",
    "using public transport and avoiding routes past schools",
    "a film night the circle is planning for next month",
    "his relationship with his landlord and a repair that is overdue",
]
OBSERVATIONS = [
    "He was open and engaged throughout.",
    "He seemed tired but talked readily once the meeting got going.",
    "He was quieter than usual and needed encouragement.",
    "Good humour tonight; he laughed about his cooking disasters.",
    "He challenged himself honestly when a volunteer asked a hard question.",
    "He was a little defensive at first, then settled.",
]
ACTIONS = [
    "Agreed actions: he will phone the job centre and tell us how it went next week.",
    "Next week we will look at his relapse-prevention plan together.",
    "No new actions; continue as planned.",
    "He will bring his licence conditions so we can go through them line by line.",
    "A volunteer will meet him for a coffee one-to-one before the next meeting.",
]
ABSENCE_REASONS = [
    "Unwell; phoned the coordinator at 17:00 to say so.",
    "Working a late shift; agreed the week before.",
    "Did not arrive and did not answer his phone; the coordinator was told the same evening.",
]
REVIEW_COMMENTS = [
    "Thanks, clear minutes.",
    "Good detail on the risk observations; please keep noting who said what.",
    "Noted the mood rating; I will follow this up at supervision.",
    "",
    "",
    "",
]


def _interpolate(knots, t):
    for (t0, v0), (t1, v1) in zip(knots, knots[1:], strict=False):
        if t0 <= t <= t1:
            return v0 + (v1 - v0) * ((t - t0) / (t1 - t0) if t1 > t0 else 0)
    return knots[-1][1]


class _DemoBuilder:
    def __init__(self, *, now):
        self.now = now
        self.today = timezone.localdate(now)
        self.rng = random.Random(RANDOM_SEED)  # noqa: S311 - demo variation, not security
        self.phone_counter = 100
        self.agencies = {}
        self.coordinators = {}
        self.liaisons = {}
        self.volunteers = {}
        self.core_members = {}
        self.referrals = {}
        self.circles = {}
        self.held_meetings = {}  # circle key -> [(meeting, note or None, present volunteers)]

    # Small helpers ---------------------------------------------------------------------

    def days_ago(self, days):
        return self.today - datetime.timedelta(days=days)

    def at(self, day, hour=10, minute=0):
        """An aware local time on ``day``, never later than now."""
        moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)
        return min(moment, self.now)

    def not_after_now(self, moment):
        return min(moment, self.now)

    def _backdate(self, obj, **timestamps):
        """Move service-stamped times back to when the work happened (timestamps only)."""
        for field, value in timestamps.items():
            setattr(obj, field, value)
        type(obj).objects.filter(pk=obj.pk).update(**timestamps)

    def _phone(self):
        self.phone_counter += 1
        return f"07700 900{self.phone_counter:03d}"

    def _user(self, first, last, role, *, email=None, agency=None):
        user = user_create(
            email=email or f"{first}.{last}@{DEMO_DOMAIN}".lower(),
            first_name=first,
            last_name=last,
            role=role,
            password=DEMO_PASSWORD,
            agency=agency,
            phone=self._phone(),
            acting_user=getattr(self, "manager", None),
        )
        demo_backup_codes(user)
        return user

    # The build ---------------------------------------------------------------------------

    def build(self):
        self._build_staff_and_agencies()
        self._build_volunteers()
        self._build_referrals()
        self._build_circles()
        self._build_schedule_changes()
        self._build_concerns_and_records()
        self._finish_volunteer_paths()
        self._build_supervision_and_hours()
        self._build_outcomes()
        self._build_cover_and_rota()

    def _build_cover_and_rota(self):
        """Dylan is on leave this week with Ruth as deputy; this week's evenings are on call."""
        from circles import cover

        today = timezone.localdate()
        cover.cover_create(
            coordinator=self.coordinators["dylan"],
            deputy=self.coordinators["ruth"],
            starts_on=today,
            ends_on=today + datetime.timedelta(days=6),
            reason="Annual leave",
            acting_user=self.manager,
        )
        for day in range(7):
            evening = datetime.datetime.combine(
                today + datetime.timedelta(days=day),
                datetime.time(17, 0),
                tzinfo=timezone.get_current_timezone(),
            )
            cover.shift_create(
                staff=self.coordinators["tomasz" if day % 2 else "ruth"],
                phone="01632 960100",
                starts_at=evening,
                ends_at=evening + datetime.timedelta(hours=16),
                acting_user=self.manager,
            )

    def summary(self):
        notes = MeetingNote.objects.filter(meeting__circle__in=self.circles.values())
        return {
            "users": User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}").count(),
            "volunteers": Volunteer.objects.count(),
            "core members": CoreMember.objects.count(),
            "circles": Circle.objects.count(),
            "meetings": Meeting.objects.count(),
            "minutes": notes.count(),
            "concerns": Concern.objects.count(),
            "shared records": InformationSharingRecord.objects.shared().count(),
        }

    def _build_staff_and_agencies(self):
        for key, (name, kind) in AGENCIES.items():
            self.agencies[key] = validated_save(Agency(name=name, kind=kind, region=REGION))
        self.manager = self._user(*MANAGER, User.Role.MANAGER, email=MANAGER_EMAIL)
        for key, (first, last) in COORDINATORS.items():
            self.coordinators[key] = self._user(first, last, User.Role.COORDINATOR)
        for key, (first, last, agency, _role) in LIAISONS.items():
            self.liaisons[key] = self._user(
                first, last, User.Role.LIAISON, agency=self.agencies[agency]
            )

    # Volunteers ----------------------------------------------------------------------------

    def _build_volunteers(self):
        gwen_issued = self.today - relativedelta(years=3) + datetime.timedelta(days=45)
        referees = iter(REFEREES * 5)
        certificate = 1000_0000_0000
        for key, (first, last, area, status, dbs_days) in VOLUNTEERS.items():
            if key == "gwen":
                dbs_days = (self.today - gwen_issued).days
            user = self._user(first, last, User.Role.VOLUNTEER)
            vetting_from = dbs_days or {"olwen": 35, "piotr": 5}[key]
            applied_on = self.days_ago(vetting_from + 75 if dbs_days else vetting_from + 5)
            volunteer = volunteer_services.volunteer_apply(
                user=user, applied_on=applied_on, acting_user=self.manager
            )
            volunteer.postcode_area = area
            with acting_as(self.manager):
                validated_save(volunteer, update_fields=["postcode_area"])
            self._backdate(user, date_joined=self.at(applied_on, 9))
            self.volunteers[key] = volunteer
            if status == Volunteer.Status.APPLIED:
                continue
            self._move(volunteer, Volunteer.Status.VETTING)
            for number in range(2):
                name, relationship = next(referees)
                requested = applied_on + datetime.timedelta(days=3)
                received = requested + datetime.timedelta(days=12 + 5 * number)
                done = received <= self.today and (key != "olwen" or number == 0)
                volunteer_services.reference_record(
                    volunteer=volunteer,
                    referee_name=name,
                    relationship=relationship,
                    requested_on=requested,
                    received_on=received if done else None,
                    satisfactory=True if done else None,
                    acting_user=self.manager,
                )
            if status == Volunteer.Status.VETTING:
                continue
            certificate += 7919
            volunteer_services.dbs_check_record(
                volunteer=volunteer,
                certificate_number=str(certificate),
                issued_on=self.days_ago(dbs_days),
                update_service=self.rng.random() < 0.4,
                acting_user=self.manager,
            )
            self._move(volunteer, Volunteer.Status.TRAINING)
            volunteer_services.training_record(
                volunteer=volunteer,
                course=TrainingRecord.Course.SAFEGUARDING,
                completed_on=self.days_ago(dbs_days - 10),
                acting_user=self.manager,
            )
            if status == Volunteer.Status.TRAINING:
                continue
            volunteer_services.training_record(
                volunteer=volunteer,
                course=TrainingRecord.Course.INITIAL,
                completed_on=self.days_ago(dbs_days - 20),
                acting_user=self.manager,
            )
            if dbs_days > 400:
                volunteer_services.training_record(
                    volunteer=volunteer,
                    course=TrainingRecord.Course.REFRESHER,
                    completed_on=self.days_ago(self.rng.randint(40, 220)),
                    acting_user=self.manager,
                )
            self._move(volunteer, Volunteer.Status.ACTIVE, on=self.days_ago(dbs_days - 28))

    def _move(self, volunteer, to, **kwargs):
        volunteer_services.volunteer_move(
            volunteer=volunteer, to=to, acting_user=self.manager, **kwargs
        )

    def _finish_volunteer_paths(self):
        """Lionel left four months ago; Maeve paused once her circle ended."""
        # His membership was ended on the day in _launch_circle: volunteer_move(LEFT)
        # would end it dated today.
        self._move(
            self.volunteers["lionel"],
            Volunteer.Status.LEFT,
            on=self.days_ago(120),
            reason="Moved out of the area.",
        )
        self._move(self.volunteers["maeve"], Volunteer.Status.PAUSED)

    # Referrals and Core Members --------------------------------------------------------------

    def _referral(self, key, *, details, agency, received_days_ago, referrer, coordinator):
        referrer_user = self.liaisons.get(referrer)
        referrer_name = (
            referrer_user.get_full_name() if referrer_user else "Duty officer, HMP Ashcombe"
        )
        received_on = self.days_ago(received_days_ago)
        referral = cm_services.referral_create(
            source_agency=self.agencies[agency],
            referrer_name=referrer_name,
            referrer_email=referrer_user.email if referrer_user else f"omu@{DEMO_DOMAIN}",
            reason=details.pop("reason"),
            core_member_details=details,
            received_on=received_on,
            coordinator=self.coordinators.get(coordinator),
            acting_user=referrer_user or self.manager,
        )
        self._backdate(referral.core_member, created_at=self.at(received_on, 11))
        self.referrals[key] = referral
        self.core_members[key] = referral.core_member
        return referral

    def _decide(self, referral, action, *, days_ago, reason=""):
        acting_user = referral.coordinator or self.manager
        if action == "assess":
            cm_services.referral_start_assessment(referral=referral, acting_user=acting_user)
            return
        service = {
            "accept": cm_services.referral_accept,
            "decline": cm_services.referral_decline,
            "withdraw": cm_services.referral_withdraw,
        }[action]
        service(referral=referral, acting_user=acting_user, reason=reason)
        self._backdate(referral, decided_at=self.at(self.days_ago(days_ago), 15))

    def _risk(self, key, tool, band, score, days_ago, agency="probation"):
        cm_services.risk_assessment_record(
            core_member=self.core_members[key],
            tool=tool,
            band=band,
            score=score,
            assessed_on=self.days_ago(days_ago),
            agency=self.agencies[agency],
            acting_user=self.core_members[key].coordinator or self.manager,
        )

    def _mappa(self, key, level, days_ago, category=MappaCategory.CATEGORY_1):
        record = cm_services.mappa_record(
            core_member=self.core_members[key],
            category=category,
            level=level,
            effective_from=self.days_ago(days_ago),
            acting_user=self.liaisons["mappa"],
        )
        self._backdate(record, recorded_at=self.at(record.effective_from, 12))

    def _agreement(
        self, key, *, signed_days_ago, months, agencies=("probation", "police", "mappa")
    ):
        signed_on = self.days_ago(signed_days_ago)
        return cm_services.sharing_agreement_record(
            core_member=self.core_members[key],
            signed_on=signed_on,
            expires_on=signed_on + relativedelta(months=months),
            agencies=[self.agencies[a] for a in agencies],
            acting_user=self.core_members[key].coordinator or self.manager,
        )

    def _assign_liaisons(self, key, days_ago, which=("om", "ppu", "mappa")):
        for liaison_key in which:
            cm_services.liaison_assign(
                core_member=self.core_members[key],
                liaison=self.liaisons[liaison_key],
                role=LIAISONS[liaison_key][3],
                started_on=self.days_ago(days_ago),
                acting_user=self.manager,
            )

    def _build_referrals(self):
        """A Core Member at each stage of a referral, then the four with a year of circles."""
        self._referral_just_received()
        self._referral_being_assessed()
        self._referral_accepted_circle_forming()
        self._referral_declined()
        self._referral_withdrawn()
        self._referrals_of_the_year_long_circles()
        self._assess_the_year_long_circles()

    def _referral_just_received(self):
        """CM-000001: just received, not yet assigned to a coordinator."""
        self._referral(
            "kevin",
            details=_core_member(
                "Kevin",
                "Ashdown",
                datetime.date(1979, 4, 12),
                "X900101",
                reason="Released on licence in two months; isolated, no family contact. "
                "Offender manager thinks a circle would help with resettlement.",
                licence_end=self.today + relativedelta(years=2, months=3),
            ),
            agency="probation",
            received_days_ago=3,
            referrer="om",
            coordinator=None,
        )

    def _referral_being_assessed(self):
        """CM-000002: being assessed."""
        bands = RiskAssessment.Band
        tools = RiskAssessment.Tool
        self._referral(
            "martin",
            details=_core_member(
                "Martin",
                "Greaves",
                datetime.date(1966, 9, 30),
                "X900102",
                reason="Finished a community order with a sex-offender treatment programme; "
                "wants support to keep the progress going.",
            ),
            agency="probation",
            received_days_ago=24,
            referrer="om",
            coordinator="dylan",
        )
        self._decide(self.referrals["martin"], "assess", days_ago=20)
        self._risk("martin", tools.OSP_C, bands.MEDIUM, "Medium", 40)
        self._assign_liaisons("martin", 24, which=("om",))

    def _referral_accepted_circle_forming(self):
        """CM-000003: accepted, a circle is forming."""
        bands = RiskAssessment.Band
        tools = RiskAssessment.Tool
        self._referral(
            "stuart",
            details=_core_member(
                "Stuart",
                "Bellamy",
                datetime.date(1988, 1, 17),
                "X900103",
                preferred_name="Stu",
                reason="Recently moved to the area; wants structure and people to be honest "
                "with him.",
                needs="Dyslexic: prefers things explained aloud and written summaries kept short.",
            ),
            agency="police",
            received_days_ago=70,
            referrer="ppu",
            coordinator="ruth",
        )
        self._decide(self.referrals["stuart"], "assess", days_ago=66)
        self._risk("stuart", tools.ARMS, bands.MEDIUM, "Medium", 80, agency="police")
        self._risk("stuart", tools.OASYS_ROSH, bands.MEDIUM, "Medium", 60)
        self._mappa("stuart", MappaLevel.LEVEL_1, 75)
        self._agreement("stuart", signed_days_ago=25, months=12)
        self._assign_liaisons("stuart", 60, which=("om", "ppu"))
        self._decide(self.referrals["stuart"], "accept", days_ago=20)

    def _referral_declined(self):
        """CM-000004: declined."""
        self._referral(
            "paul",
            details=_core_member(
                "Paul",
                "Rendle",
                datetime.date(1971, 6, 3),
                "X900104",
                reason="Referred by the offender manager as a support option after release.",
            ),
            agency="probation",
            received_days_ago=100,
            referrer="om",
            coordinator="dylan",
        )
        self._decide(self.referrals["paul"], "assess", days_ago=95)
        self._decide(
            self.referrals["paul"],
            "decline",
            days_ago=75,
            reason="At the assessment he said he did not want volunteers involved and would "
            "not agree to information being shared. Not suitable now; a new referral is "
            "welcome if that changes.",
        )

    def _referral_withdrawn(self):
        """CM-000005: withdrawn after withdrawing consent to share."""
        self._referral(
            "gary",
            details=_core_member(
                "Gary",
                "Thorne",
                datetime.date(1983, 11, 21),
                "X900105",
                reason="Lives alone after release; probation asked for community support.",
            ),
            agency="probation",
            received_days_ago=60,
            referrer="om",
            coordinator="tomasz",
        )
        self._decide(self.referrals["gary"], "assess", days_ago=57)
        agreement = self._agreement("gary", signed_days_ago=50, months=12)
        cm_services.sharing_agreement_withdraw(
            agreement=agreement,
            withdrawn_on=self.days_ago(40),
            reason="Said he no longer wants anything he says passed to the police.",
            acting_user=self.coordinators["tomasz"],
        )
        self._decide(
            self.referrals["gary"],
            "withdraw",
            days_ago=38,
            reason="Consent to information sharing withdrawn; a circle cannot go ahead without it.",
        )

    def _referrals_of_the_year_long_circles(self):
        """The four Core Members whose circles have a year of history."""
        self._referral(
            "derek",
            details=_core_member(
                "Derek",
                "Lowther",
                datetime.date(1962, 2, 8),
                "X900106",
                preferred_name="Del",
                reason="Released after a long sentence; no family support and very isolated.",
                indefinite=True,
                shpo=True,
                licence_end=self.today + relativedelta(months=8),
            ),
            agency="probation",
            received_days_ago=420,
            referrer="om",
            coordinator="tomasz",
        )
        self._referral(
            "neil",
            details=_core_member(
                "Neil",
                "Carver",
                datetime.date(1975, 7, 25),
                "X900107",
                reason="Coming to the end of his licence; wants help building a life that "
                "does not revolve around probation.",
                licence_end=self.today + relativedelta(months=2),
            ),
            agency="probation",
            received_days_ago=410,
            referrer="om",
            coordinator="ruth",
        )
        self._referral(
            "ryan",
            details=_core_member(
                "Ryan",
                "Madeley",
                datetime.date(1991, 3, 14),
                "X900108",
                reason="Due for release in about ten weeks; through-the-gate circle to start "
                "in prison and continue in the community.",
                shpo=True,
                licence_end=self.today + relativedelta(years=1, months=4),
            ),
            agency="prison",
            received_days_ago=400,
            referrer=None,
            coordinator="dylan",
        )
        self._referral(
            "colin",
            details=_core_member(
                "Colin",
                "Fenwick",
                datetime.date(1958, 12, 1),
                "X900109",
                reason="Older man released to approved premises, then his own flat; "
                "lonely and anxious about the move.",
                indefinite=True,
            ),
            agency="probation",
            received_days_ago=540,
            referrer="om",
            coordinator="tomasz",
        )

    def _assess_the_year_long_circles(self):
        """Their assessments, risk and MAPPA history, agreements and liaisons; then accepted."""
        bands = RiskAssessment.Band
        tools = RiskAssessment.Tool
        for key, received, band in (
            ("derek", 420, bands.HIGH),
            ("neil", 410, bands.MEDIUM),
            ("ryan", 400, bands.HIGH),
            ("colin", 540, bands.MEDIUM),
        ):
            self._decide(self.referrals[key], "assess", days_ago=received - 4)
            self._risk(key, tools.RM2000_S, band, band.label, received - 10, agency="police")
            self._risk(key, tools.OASYS_ROSH, band, band.label, received - 20)
            self._risk(key, tools.OSP_C, bands.MEDIUM, "Medium", received - 20)
        self._risk("derek", tools.STATIC_99R, bands.HIGH, "5", 400, agency="police")
        self._risk("derek", tools.OASYS_ROSH, bands.MEDIUM, "Medium", 150)
        self._mappa("derek", MappaLevel.LEVEL_2, 415)
        self._mappa("derek", MappaLevel.LEVEL_1, 200)
        self._mappa("neil", MappaLevel.LEVEL_1, 405)
        self._mappa("ryan", MappaLevel.LEVEL_2, 395)
        self._mappa("colin", MappaLevel.LEVEL_1, 530)
        # Sharing agreements: Neil's v1 expired and was renewed (v2); the others are
        # current. circle_launch checks for a current agreement today, even when the
        # launch date is backdated, so every launched circle's Core Member needs one now.
        self._agreement("derek", signed_days_ago=371, months=24)
        self._agreement("neil", signed_days_ago=375, months=12)
        self._agreement("neil", signed_days_ago=30, months=12)
        self._agreement(
            "ryan",
            signed_days_ago=360,
            months=24,
            agencies=("probation", "police", "mappa", "prison"),
        )
        self._agreement("colin", signed_days_ago=500, months=24)
        for key, days in (("derek", 400), ("neil", 395), ("ryan", 380), ("colin", 520)):
            self._assign_liaisons(key, days)
        for key, days in (("derek", 380), ("neil", 370), ("ryan", 365), ("colin", 495)):
            self._decide(self.referrals[key], "accept", days_ago=days)

    # Circles ---------------------------------------------------------------------------------

    def _build_circles(self):
        specs = [
            {
                "key": "A",
                "core_member": "derek",
                "coordinator": "tomasz",
                "name": "Tuesday circle",
                "weekday": Weekday.TUESDAY,
                "venue": "St Anselm's Community Hall, Room 2",
                "launched": 350,
                "members": ["alys", "bernard", "carys", "desmond"],
                "goals": "Build a week with structure and people in it; be open about risky "
                "situations before they happen; keep to the licence and SHPO.",
            },
            {
                "key": "B",
                "core_member": "neil",
                "coordinator": "ruth",
                "name": "Wednesday circle",
                "weekday": Weekday.WEDNESDAY,
                "venue": "Larkrise Community Centre, Meeting Room B",
                "launched": 340,
                "members": ["esther", "fergus", "gwen", "lionel"],
                "leavers": {"lionel": (120, "Moved out of the area")},
                "goals": "Find work or volunteering; rebuild contact with his brother; plan for "
                "life after the licence ends.",
            },
            {
                "key": "C",
                "core_member": "ryan",
                "coordinator": "dylan",
                "name": "Thursday circle",
                "kind": Circle.Kind.THROUGH_THE_GATE,
                "weekday": Weekday.THURSDAY,
                "venue": "Brookfield Methodist Church Hall",
                "launched": 330,
                "members": ["hamid", "bernard", "imogen", "jonah"],
                "goals": "A safe first year out: housing, no alcohol, honest talk about "
                "relationships, and keeping every appointment.",
            },
            {
                "key": "D",
                "core_member": "colin",
                "coordinator": "tomasz",
                "name": "Monday circle",
                "weekday": Weekday.MONDAY,
                "venue": "Larkrise Community Centre, Meeting Room A",
                "launched": 470,
                "ended": 60,
                "members": ["carys", "fergus", "imogen", "maeve"],
                "goals": "Settle into his own flat; join at least one group; manage anxiety "
                "without withdrawing.",
            },
        ]
        for spec in specs:
            self._launch_circle(**spec)
        # Stu's circle is still forming: two volunteers matched, no covenant yet.
        circle = circle_services.circle_form(
            referral=self.referrals["stuart"],
            coordinator=self.coordinators["ruth"],
            name="Friday circle",
            acting_user=self.manager,
            weekday=Weekday.FRIDAY,
            meeting_time=MEETING_TIME,
            venue="St Anselm's Community Hall, Room 1",
        )
        self._backdate(circle, created_at=self.at(self.days_ago(14)))
        for role, key in ((CircleMembership.Role.PRIMARY, "hamid"), (None, "jonah")):
            circle_services.membership_add(
                circle=circle,
                volunteer=self.volunteers[key],
                role=role or CircleMembership.Role.VOLUNTEER,
                joined_on=self.days_ago(10),
                acting_user=self.coordinators["ruth"],
            )
        self.circles["E"] = circle

    def _launch_circle(
        self,
        *,
        key,
        core_member,
        coordinator,
        name,
        weekday,
        venue,
        launched,
        members,
        goals,
        kind=Circle.Kind.COMMUNITY,
        ended=None,
        leavers=None,
    ):
        coordinator = self.coordinators[coordinator]
        launched_on = self.days_ago(launched)
        circle = circle_services.circle_form(
            referral=self.referrals[core_member],
            coordinator=coordinator,
            name=name,
            kind=kind,
            acting_user=self.manager,
            weekday=weekday,
            meeting_time=MEETING_TIME,
            venue=venue,
            frequency=Frequency.WEEKLY,
        )
        self._backdate(circle, created_at=self.at(launched_on - datetime.timedelta(days=30)))
        for index, volunteer_key in enumerate(members):
            circle_services.membership_add(
                circle=circle,
                volunteer=self.volunteers[volunteer_key],
                role=CircleMembership.Role.PRIMARY
                if index == 0
                else CircleMembership.Role.VOLUNTEER,
                joined_on=launched_on - datetime.timedelta(days=14),
                acting_user=coordinator,
            )
        circle_services.covenant_agree(
            circle=circle,
            goals=goals,
            frequency=Frequency.WEEKLY,
            agreed_on=launched_on - datetime.timedelta(days=7),
            acting_user=coordinator,
        )
        circle = circle_services.circle_launch(
            circle=circle, acting_user=coordinator, launched_on=launched_on
        )
        self.circles[key] = circle

        # Reviews at 3, 6 and 9 months (and 12 for the ended circle).
        step_down_on = None
        ended_on = self.days_ago(ended) if ended else None
        for milestone in circle.milestones.filter(due_on__lt=self.today).order_by("due_on"):
            completed_on = min(
                milestone.due_on + datetime.timedelta(days=self.rng.randint(0, 6)), self.today
            )
            if ended_on and milestone.kind == ReviewMilestone.Kind.MONTH_12:
                decision = ReviewMilestone.Decision.END
            elif key == "B" and milestone.kind == ReviewMilestone.Kind.MONTH_9:
                decision = ReviewMilestone.Decision.STEP_DOWN
                step_down_on = completed_on
            else:
                decision = ReviewMilestone.Decision.CONTINUE
            if ended_on and completed_on > ended_on:
                break
            circle_services.review_record(
                milestone=milestone,
                decision=decision,
                attendees=f"{coordinator.get_full_name()} (coordinator), the Core Member, "
                f"{len(members)} volunteers, {self.liaisons['om'].get_full_name()} (probation)",
                progress_notes=_review_notes(decision),
                completed_on=completed_on,
                acting_user=coordinator,
            )
        if step_down_on:
            circle.refresh_from_db()
            circle_services.covenant_agree(
                circle=circle,
                goals=goals + " Meet fortnightly while he keeps up the weekly gym and "
                "food-bank routine.",
                frequency=Frequency.FORTNIGHTLY,
                agreed_on=step_down_on,
                acting_user=coordinator,
            )
            # The frequency history names the 9-month review that decided the step-down,
            # on the day it was decided (the service ran today).
            circle.frequency_changes.filter(frequency=Frequency.FORTNIGHTLY).update(
                review=circle.milestones.get(kind=ReviewMilestone.Kind.MONTH_9),
                decided_at=self.at(step_down_on),
            )

        for volunteer_key, (days, reason) in (leavers or {}).items():
            circle_services.membership_end(
                membership=circle.memberships.current().get(
                    volunteer=self.volunteers[volunteer_key]
                ),
                left_on=self.days_ago(days),
                reason=reason,
                acting_user=coordinator,
            )

        circle.refresh_from_db()
        self._past_meetings(key, circle, launched_on, ended_on, step_down_on)
        self._minutes(key, circle)
        if ended_on:
            circle_services.circle_end(
                circle=circle,
                reason=Circle.EndReason.COMPLETED,
                ended_on=ended_on,
                outcome_notes="Completed: living independently in his own flat, attends a "
                "weekly walking group and a men's shed. Licence ended without breach; "
                "he knows how to contact his offender manager and the coordinator.",
                acting_user=coordinator,
            )
            for assignment in circle.core_member.liaison_assignments.open():
                cm_services.liaison_end(
                    assignment=assignment,
                    ended_on=ended_on + datetime.timedelta(days=7),
                    acting_user=self.manager,
                )
        circle.refresh_from_db()
        self.circles[key] = circle

    def _build_schedule_changes(self):
        """A one-to-one and a moved meeting in the Tuesday circle, and a review meeting
        booked on the next bank holiday, flagged on the circle page with its one-click
        move (the Wednesday circle has stepped down to fortnightly, with its history)."""
        circle = self.circles["A"]
        coordinator = circle.coordinator
        in_five_days = self.today + datetime.timedelta(days=5)
        circle_services.meeting_add(
            circle=circle,
            kind=Meeting.Kind.ONE_TO_ONE,
            starts_at=scheduling.local_to_utc(in_five_days, datetime.time(11, 0)),
            venue="Larkrise Community Centre, café",
            duration_minutes=45,
            acting_user=coordinator,
        )
        holiday = self.today + datetime.timedelta(days=1)
        while bank_holidays.holiday_name(holiday) is None:
            holiday += datetime.timedelta(days=1)
        circle_services.meeting_add(
            circle=circle,
            kind=Meeting.Kind.REVIEW,
            starts_at=scheduling.local_to_utc(holiday, MEETING_TIME),
            acting_user=coordinator,
        )
        upcoming = circle.meetings.upcoming().filter(kind=Meeting.Kind.GROUP)
        moving = upcoming.order_by("starts_at").first()
        if moving is not None and moving.bank_holiday is None:
            circle_services.meeting_move(
                meeting=moving,
                starts_at=moving.starts_at + datetime.timedelta(hours=1),
                reason="The hall is booked until 19:30 that week.",
                acting_user=coordinator,
            )

    def _past_meetings(self, key, circle, launched_on, ended_on, step_down_on):
        """Group meetings from launch to today (or the end).

        meetings_generate makes only future meetings, so the past year is made here.
        """
        last_day = ended_on or self.today
        segments = [(launched_on, last_day, Frequency.WEEKLY)]
        if step_down_on:
            # Line the fortnightly past up with the future meetings, which
            # circle_set_pattern anchored on today.
            fortnightly_from = scheduling.first_on_or_after(self.today, circle.weekday)
            while fortnightly_from - datetime.timedelta(days=14) >= step_down_on:
                fortnightly_from -= datetime.timedelta(days=14)
            segments = [
                (launched_on, fortnightly_from - datetime.timedelta(days=1), Frequency.WEEKLY),
                (fortnightly_from, last_day, Frequency.FORTNIGHTLY),
            ]
        release_on = launched_on + datetime.timedelta(weeks=10)
        settled_from = launched_on + datetime.timedelta(weeks=3)
        meetings = []
        for anchor, until, frequency in segments:
            for starts_at in scheduling.slots(
                anchor=anchor,
                weekday=circle.weekday,
                at=MEETING_TIME,
                frequency=frequency,
                until=until,
            ):
                day = timezone.localtime(starts_at).date()
                venue = circle.venue
                in_prison = circle.kind == Circle.Kind.THROUGH_THE_GATE and day < release_on
                if in_prison:
                    # Before release the circle meets in the prison, in visiting hours.
                    starts_at = scheduling.local_to_utc(day, PRISON_VISIT_TIME)
                    venue = "HMP Ashcombe, chaplaincy centre"
                if starts_at >= self.now:
                    continue
                meeting = Meeting(
                    circle=circle,
                    starts_at=starts_at,
                    duration_minutes=circle.duration_minutes,
                    venue=venue,
                )
                # A few cancellations, never in a circle's first weeks or the last 40 days.
                christmas = (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 1)
                chance = self.rng.random()
                if day >= settled_from and christmas:
                    meeting.status = Meeting.Status.CANCELLED
                    meeting.cancelled_reason = "Christmas break; volunteers phoned him instead."
                elif settled_from <= day < self.days_ago(40) and chance < 0.03:
                    meeting.status = Meeting.Status.CANCELLED
                    meeting.cancelled_reason = (
                        "Prison regime curtailed; visit cancelled by the prison."
                        if in_prison
                        else "Venue closed at short notice."
                    )
                meetings.append(meeting)
        Meeting.objects.bulk_create(meetings)

    def _minutes(self, key, circle):
        """Minutes for the past meetings: mostly reviewed, the newest few not yet."""
        meetings = list(
            circle.meetings.filter(kind=Meeting.Kind.GROUP, starts_at__lt=self.now)
            .exclude(status=Meeting.Status.CANCELLED)
            .order_by("starts_at")
        )
        count = len(meetings)
        # Index from the end -> what happens to that meeting's minutes.
        newest = {
            "A": {-1: MeetingNote.Status.SUBMITTED, -2: MeetingNote.Status.SUBMITTED},
            "B": {-1: MeetingNote.Status.DRAFT, -2: MeetingNote.Status.SUBMITTED},
            # Two meetings without minutes, well past the 48-hour deadline.
            "C": {-1: MeetingNote.Status.DRAFT, -2: None, -3: None},
        }.get(key, {})
        plan = {count + offset: status for offset, status in newest.items()}
        memberships = list(
            circle.memberships.select_related("volunteer__user").order_by("joined_on", "pk")
        )
        story = RISK_STORIES[key]
        name = circle.core_member.preferred_name or circle.core_member.first_name
        self.held_meetings[key] = []
        for index, meeting in enumerate(meetings):
            status = plan.get(index, MeetingNote.Status.REVIEWED)
            day = timezone.localtime(meeting.starts_at).date()
            present = [
                m.volunteer
                for m in memberships
                if m.joined_on <= day
                and (m.left_on is None or m.left_on > day)
                and self.rng.random() > 0.1
            ]
            if status is None:
                self.held_meetings[key].append((meeting, None, present))
                continue
            t = index / max(count - 1, 1)
            attendance = self.rng.choices(
                [
                    MeetingNote.Attendance.YES,
                    MeetingNote.Attendance.LATE,
                    MeetingNote.Attendance.NO,
                ],
                weights=[90, 6, 4],
            )[0]
            if index >= count - 3 or self._is_concern_meeting(key, index, count):
                attendance = MeetingNote.Attendance.YES
            fields = {
                "attendance": attendance,
                "duration_minutes": self.rng.choice([75, 80, 85, 90, 90, 95]),
            }
            if attendance == MeetingNote.Attendance.NO:
                fields["absence_reason"] = self.rng.choice(ABSENCE_REASONS)
                fields["summary"] = (
                    f"{name} did not attend. The volunteers used the time to plan how to "
                    "pick up the conversation from last week."
                )
                fields["duration_minutes"] = 30
            else:
                late = (
                    " He arrived twenty minutes late."
                    if attendance == MeetingNote.Attendance.LATE
                    else ""
                )
                fields["summary"] = (
                    f"{name} talked about {self.rng.choice(TOPICS)}.{late} "
                    f"{self.rng.choice(OBSERVATIONS)} {self.rng.choice(ACTIONS)}"
                )
                for field in MeetingNote.RISK_FIELDS:
                    level = _interpolate(story.get(field, _LOW), t) + self.rng.gauss(0, 0.35)
                    fields[field] = max(0, min(3, round(level)))
            primary = next((v for v in present if memberships[0].volunteer == v), None)
            author = (
                primary
                if primary and self.rng.random() < 0.7
                else (present or [memberships[0].volunteer])[0]
            )
            note = circle_services.note_save(
                meeting=meeting,
                acting_user=author.user,
                volunteers_present=present,
                submit=status != MeetingNote.Status.DRAFT,
                **fields,
            )
            written_at = self.not_after_now(
                meeting.ends_at + datetime.timedelta(hours=self.rng.uniform(1, 30))
            )
            stamps = {"created_at": written_at}
            if status != MeetingNote.Status.DRAFT:
                stamps["submitted_at"] = written_at
            if status == MeetingNote.Status.REVIEWED:
                circle_services.note_review(
                    note=note,
                    acting_user=circle.coordinator,
                    comment=self.rng.choice(REVIEW_COMMENTS),
                )
                stamps["reviewed_at"] = self.not_after_now(
                    written_at + datetime.timedelta(hours=self.rng.uniform(4, 60))
                )
            self._backdate(note, **stamps)
            self.held_meetings[key].append((meeting, note, present))

    # Concerns and shared records -----------------------------------------------------------

    CONCERN_POINTS = {"A": 0.42, "B": 0.9, "C": 0.27, "D": 0.3}

    def _is_concern_meeting(self, key, index, count):
        return index == round(self.CONCERN_POINTS[key] * (count - 1))

    def _concern_meeting(self, key):
        """The meeting _minutes forced to "attended" for this circle's concern."""
        # held_meetings has one entry per non-cancelled past meeting, like _minutes' list.
        items = self.held_meetings[key]
        meeting, _note, present = items[round(self.CONCERN_POINTS[key] * (len(items) - 1))]
        return meeting, present

    def _concern(
        self, key, *, severity, category, description, imminent=False, meeting=None, raised_by=None
    ):
        circle = self.circles[key]
        present = []
        if meeting is None:
            meeting, present = self._concern_meeting(key)
        raised_by = raised_by or (present[0].user if present else circle.coordinator)
        concern = circle_services.concern_raise(
            circle=circle,
            acting_user=raised_by,
            category=category,
            severity=severity,
            imminent_risk=imminent,
            description=description,
            meeting=meeting,
        )
        return concern, meeting

    def _build_concerns_and_records(self):
        """Concerns at every stage of triage, and shared records, drafts among them."""
        self._concern_red_shared_and_acknowledged()
        self._concern_imminent_after_a_phone_call()
        self._concern_wellbeing_being_watched()
        self._concern_drinking_closed()
        self._concern_boundaries_closed()
        self._record_change_of_address()
        self._record_draft()

    def _concern_red_shared_and_acknowledged(self):
        """Circle A, five months in: a RED concern shared with probation and police."""
        Severity = Concern.Severity
        Category = Concern.Category
        om, ppu = self.liaisons["om"], self.liaisons["ppu"]
        circle_a = self.circles["A"]
        concern, meeting = self._concern(
            "A",
            severity=Severity.RED,
            category=Category.CHANGE_OF_CIRCUMSTANCES,
            description="Del told the circle he has started seeing a woman he met at the "
            "allotments, who has two children under ten. He has not told his offender manager "
            "and asked us not to either. We reminded him there are no secrets in the circle.",
        )
        raised_at = meeting.ends_at + datetime.timedelta(minutes=40)
        self._backdate(concern, raised_at=raised_at)
        coordinator = circle_a.coordinator
        circle_services.concern_triage(
            concern=concern,
            acting_user=coordinator,
            notes="Spoke to Del the next morning; he agreed it must be shared. Sharing with "
            "probation and police on consent today.",
        )
        triaged_at = raised_at + datetime.timedelta(hours=14)
        self._backdate(concern, triaged_at=triaged_at)
        record = sharing_services.record_create(
            core_member=circle_a.core_member,
            circle=circle_a,
            source_meeting=meeting,
            source_concern=concern,
            category=InformationSharingRecord.Category.CHANGE_OF_CIRCUMSTANCES,
            urgency=InformationSharingRecord.Urgency.PRIORITY,
            summary="New relationship with a woman who has two children under ten",
            details="Disclosed at the circle meeting the evening before. He says they have met "
            "four times, always in public, and he has not been to her home. He knows this must "
            "be discussed with his offender manager and agreed to the circle sharing it.",
            acting_user=coordinator,
        )
        sharing_services.record_share(record=record, recipients=[om, ppu], acting_user=coordinator)
        circle_services.concern_mark_shared(concern=concern, record=record, acting_user=coordinator)
        shared_at = triaged_at + datetime.timedelta(hours=2)
        self._backdate(
            record, created_at=triaged_at + datetime.timedelta(hours=1), shared_at=shared_at
        )
        sharing_services.record_acknowledge(
            record=record,
            acting_user=om,
            response="Thank you. Home visit booked for Friday; the relationship will be "
            "discussed with him and his risk management plan updated.",
        )
        for recipient in record.recipients.all():
            # The due time follows the backdated sharing, as the service computes it.
            stamps = {
                "notified_at": shared_at,
                "acknowledge_due_at": record.acknowledge_due_from(shared_at),
            }
            if recipient.acknowledged_at:
                stamps["acknowledged_at"] = shared_at + datetime.timedelta(hours=20)
            self._backdate(recipient, **stamps)

    def _concern_imminent_after_a_phone_call(self):
        """Circle A, latest: RED with imminent risk, raised after a phone call; untriaged."""
        Severity = Concern.Severity
        Category = Concern.Category
        circle_a = self.circles["A"]
        alys = self.volunteers["alys"].user
        called_at = self.at(self.today, 15, 10)
        if called_at > self.now - datetime.timedelta(hours=1):
            called_at = self.at(self.days_ago(1), 15, 10)
        phone_call = circle_services.meeting_log_contact(
            circle=circle_a,
            kind=Meeting.Kind.PHONE,
            starts_at=called_at,
            duration_minutes=15,
            acting_user=alys,
        )
        concern, _meeting = self._concern(
            "A",
            severity=Severity.RED,
            category=Category.RISK_BEHAVIOUR,
            imminent=True,
            meeting=phone_call,
            raised_by=alys,
            description="Del phoned me at ten past three. He has been invited to a family "
            "party at his sister's house on Saturday where her grandchildren will be, and "
            "says he is going 'whatever probation says'. He sounded low and angry. I told him "
            "I must pass this on to the coordinator.",
        )
        self._backdate(concern, raised_at=called_at + datetime.timedelta(minutes=25))

    def _concern_wellbeing_being_watched(self):
        """Circle B: AMBER wellbeing concern after losing his job; triaged, being watched."""
        Severity = Concern.Severity
        Category = Concern.Category
        concern, meeting = self._concern(
            "B",
            severity=Severity.AMBER,
            category=Category.WELLBEING,
            description="Neil lost his warehouse job last week. Very low tonight; said "
            "'what's the point of any of it'. No plan to harm himself when we asked.",
        )
        raised_at = meeting.ends_at + datetime.timedelta(minutes=30)
        self._backdate(concern, raised_at=raised_at)
        circle_services.concern_triage(
            concern=concern,
            acting_user=self.circles["B"].coordinator,
            notes="Called Neil the next day: GP appointment booked, Samaritans number given. "
            "Weekly check-in call by the primary volunteer until the next review.",
        )
        self._backdate(concern, triaged_at=raised_at + datetime.timedelta(hours=16))

    def _concern_drinking_closed(self):
        """Circle C: AMBER after drinking soon after release; triaged and closed."""
        Severity = Concern.Severity
        Category = Concern.Category
        concern, meeting = self._concern(
            "C",
            severity=Severity.AMBER,
            category=Category.RISK_BEHAVIOUR,
            description="Ryan smelled of alcohol tonight and admitted two nights drinking at "
            "the hostel. Alcohol was part of his offending pattern.",
        )
        raised_at = meeting.ends_at + datetime.timedelta(minutes=20)
        self._backdate(concern, raised_at=raised_at)
        coordinator = self.circles["C"].coordinator
        circle_services.concern_triage(
            concern=concern,
            acting_user=coordinator,
            notes="Discussed with Ryan; he agreed to a referral to the alcohol service.",
        )
        circle_services.concern_close(
            concern=concern,
            acting_user=coordinator,
            reason="He has attended the alcohol service three times and reports no drinking "
            "since; the offender manager already knew from the hostel.",
        )
        self._backdate(concern, triaged_at=raised_at + datetime.timedelta(hours=15))

    def _concern_boundaries_closed(self):
        """Circle D (ended): an old AMBER boundaries concern, closed."""
        Severity = Concern.Severity
        Category = Concern.Category
        concern, meeting = self._concern(
            "D",
            severity=Severity.AMBER,
            category=Category.OTHER,
            description="Colin asked Maeve for her home address so he could send a card.",
        )
        raised_at = meeting.ends_at + datetime.timedelta(minutes=25)
        self._backdate(concern, raised_at=raised_at)
        circle_services.concern_close(
            concern=concern,
            acting_user=self.circles["D"].coordinator,
            reason="Boundaries talked through at the next meeting; he understood and "
            "apologised. No further issue.",
        )
        self._backdate(concern, triaged_at=raised_at + datetime.timedelta(hours=18))

    def _record_change_of_address(self):
        """Circle B: a routine change of address, shared and acknowledged by all."""
        om = self.liaisons["om"]
        circle_b = self.circles["B"]
        meeting = self.held_meetings["B"][-8][0]
        record = sharing_services.record_create(
            core_member=circle_b.core_member,
            circle=circle_b,
            source_meeting=meeting,
            category=InformationSharingRecord.Category.COMPLIANCE,
            urgency=InformationSharingRecord.Urgency.ROUTINE,
            summary="Moving to a new flat at the end of the month",
            details="Neil has been offered a housing-association flat and says he has told "
            "the police about the move as his notification requirements need. Sharing so "
            "probation can confirm.",
            acting_user=circle_b.coordinator,
        )
        sharing_services.record_share(
            record=record, recipients=[om], acting_user=circle_b.coordinator
        )
        sharing_services.record_acknowledge(
            record=record,
            acting_user=om,
            response="Confirmed with Neil at supervision; address change noted.",
        )
        shared_at = meeting.ends_at + datetime.timedelta(hours=20)
        self._backdate(
            record, created_at=shared_at - datetime.timedelta(hours=1), shared_at=shared_at
        )
        for recipient in record.recipients.all():
            self._backdate(
                recipient,
                notified_at=shared_at,
                acknowledge_due_at=record.acknowledge_due_from(shared_at),
                acknowledged_at=shared_at + datetime.timedelta(days=2),
            )

    def _record_draft(self):
        """Circle C: a draft record not yet shared."""
        circle_c = self.circles["C"]
        sharing_services.record_create(
            core_member=circle_c.core_member,
            circle=circle_c,
            category=InformationSharingRecord.Category.WELLBEING,
            urgency=InformationSharingRecord.Urgency.ROUTINE,
            summary="Bereavement: his grandmother died last week",
            details="Ryan told the circle his grandmother, who brought him up, has died. He "
            "wants to go to the funeral, which is outside the county. Draft: check the date "
            "with him before sharing.",
            acting_user=circle_c.coordinator,
        )

    # Volunteers' supervision and hours -----------------------------------------------------

    def _build_supervision_and_hours(self):
        for volunteer in self.volunteers.values():
            membership = (
                volunteer.memberships.select_related("circle").order_by("joined_on").first()
            )
            if membership is None or volunteer.started_on is None:
                continue
            coordinator = membership.circle.coordinator
            last_day = volunteer.left_on or self.today
            for quarter in range(4):
                held_on = last_day - datetime.timedelta(
                    days=20 + 91 * quarter + self.rng.randint(0, 10)
                )
                if held_on < volunteer.started_on:
                    break
                volunteer_services.supervision_record(
                    volunteer=volunteer,
                    held_on=held_on,
                    notes=self.rng.choice(SUPERVISION_NOTES),
                    acting_user=coordinator,
                )
        # Hours for the last eight meetings of the open circles.
        for key in ("A", "B", "C"):
            circle = self.circles[key]
            for meeting, note, present in self.held_meetings[key][-8:]:
                if note is None:
                    continue
                day = timezone.localtime(meeting.starts_at).date()
                for volunteer in present:
                    volunteer_services.hours_log(
                        volunteer=volunteer,
                        acting_user=volunteer.user,
                        worked_on=day,
                        kind=VolunteerHours.Kind.MEETING,
                        hours=Decimal("2.00"),
                        circle=circle,
                        note="Circle meeting and minutes",
                    )
                    if self.rng.random() < 0.5:
                        volunteer_services.hours_log(
                            volunteer=volunteer,
                            acting_user=volunteer.user,
                            worked_on=day,
                            kind=VolunteerHours.Kind.TRAVEL,
                            hours=Decimal("0.75"),
                            circle=circle,
                        )

    # Outcomes -------------------------------------------------------------------

    def _build_outcomes(self):
        """Colin's Monday circle launched 470 days ago and ended 60 days ago. Its 12-month
        follow-up (launch + 365 days, 105 days ago) was checked with the police: nothing
        found. Since then, a reconviction for a minor offence after the circle, which the
        24-month check will count."""
        circle = self.circles["D"]
        coordinator = circle.coordinator
        outcome_services.follow_up_record(
            circle=circle,
            acting_user=coordinator,
            months=12,
            checked_on=self.days_ago(45),
            checked_with=self.agencies["police"],
            nothing_found=True,
            note="PNC check by the public-protection unit: no recall, no new conviction.",
        )
        outcome_services.outcome_record(
            core_member=circle.core_member,
            acting_user=coordinator,
            kind=OutcomeEvent.Kind.RECONVICTION,
            offence_type=OutcomeEvent.OffenceType.OTHER,
            occurred_on=self.days_ago(12),
            offence_on=self.days_ago(40),
            source_agency=self.agencies["probation"],
            note="Fined at the magistrates' court for shoplifting food; told the coordinator "
            "himself before probation did.",
        )


def _core_member(
    first,
    last,
    born,
    crn,
    *,
    reason,
    preferred_name="",
    needs="",
    indefinite=False,
    shpo=False,
    licence_end=None,
):
    """Details for referral_create: every reference is invented (X9... CRNs, DEMO ViSOR)."""
    number = crn[-3:]
    details = {
        "reason": reason,
        "first_name": first,
        "last_name": last,
        "preferred_name": preferred_name,
        "date_of_birth": born,
        "probation_crn": crn,
        "pnc_reference": f"99/{number}000X",
        "visor_reference": f"DEMO{number}",
        "notification_start": datetime.date(2019, 5, 1)
        if indefinite
        else datetime.date(2021, 3, 1),
        "notification_end": None if indefinite else datetime.date(2031, 3, 1),
        "notification_indefinite": indefinite,
        "licence_end": licence_end,
        "has_shpo": shpo,
        "shpo_prohibitions": "No unsupervised contact with children under 16; must declare "
        "any new relationship to his offender manager."
        if shpo
        else "",
        "offence_summary": "Fictional demo record: contact sexual offence, sentenced at a "
        "crown court. (No real person or case.)",
        "needs_and_adaptations": needs,
    }
    return details


def _review_notes(decision):
    if decision == ReviewMilestone.Decision.STEP_DOWN:
        return (
            "Strong progress: working part time, weekly gym, food-bank volunteering. Everyone "
            "agreed to step down to fortnightly meetings with a new covenant."
        )
    if decision == ReviewMilestone.Decision.END:
        return (
            "Goals met: settled in his own flat, two regular groups, licence ending without "
            "breach. Agreed to close the circle with two final meetings."
        )
    return (
        "Attendance good; the covenant goals are still the right ones. Risk observations "
        "discussed with the offender manager. Continue weekly."
    )
