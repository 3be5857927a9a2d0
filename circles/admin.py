from django.contrib import admin

from accounts.admin_base import CosaHistoryAdmin, CosaModelAdmin, NoAddOrChangeAdminMixin

from .models import (
    Circle,
    CircleMembership,
    Concern,
    ConcernAction,
    Covenant,
    Cover,
    FrequencyChange,
    Meeting,
    MeetingNote,
    MeetingObservation,
    OnCallShift,
    Reminder,
    ReviewMilestone,
    SafeguardingContact,
    SweepRun,
)


@admin.register(Circle)
class CircleAdmin(CosaHistoryAdmin):
    list_display = ["name", "core_member", "coordinator", "kind", "status", "launched_on"]
    list_filter = ["status", "kind", "frequency"]
    search_fields = ["name", "core_member__reference"]
    list_select_related = ["core_member", "coordinator"]
    raw_id_fields = ["core_member", "referral", "coordinator", "volunteer_group"]
    # State, coordinator and grants change only through services.
    readonly_fields = ["status", "coordinator", "volunteer_group", "launched_on", "ended_on"]


@admin.register(CircleMembership)
class CircleMembershipAdmin(CosaHistoryAdmin):
    list_display = ["circle", "volunteer", "role", "joined_on", "left_on"]
    list_select_related = ["circle__core_member", "volunteer__user"]
    raw_id_fields = ["circle", "volunteer"]
    readonly_fields = ["circle", "volunteer", "joined_on", "left_on"]

    def has_add_permission(self, request):
        return False


@admin.register(Covenant)
class CovenantAdmin(CosaHistoryAdmin):
    list_display = ["circle", "version", "frequency", "agreed_on"]
    list_select_related = ["circle__core_member"]
    raw_id_fields = ["circle", "recorded_by"]


@admin.register(Meeting)
class MeetingAdmin(CosaHistoryAdmin):
    list_display = ["circle", "starts_at", "kind", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["circle__core_member"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["circle", "requested_by"]


@admin.register(MeetingNote)
class MeetingNoteAdmin(CosaHistoryAdmin):
    list_display = ["meeting", "author", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["meeting__circle__core_member", "author"]
    raw_id_fields = ["meeting", "author", "reviewed_by"]
    filter_horizontal = ["volunteers_present"]


@admin.register(MeetingObservation)
class MeetingObservationAdmin(CosaHistoryAdmin):
    list_display = ["note", "author", "created_at"]
    raw_id_fields = ["note", "author"]


@admin.register(Concern)
class ConcernAdmin(CosaHistoryAdmin):
    list_display = ["circle", "severity", "category", "imminent_risk", "status", "raised_at"]
    list_filter = ["status", "severity", "category", "imminent_risk"]
    list_select_related = ["circle__core_member"]
    raw_id_fields = ["circle", "meeting", "raised_by", "triaged_by", "shared_record"]


@admin.register(ReviewMilestone)
class ReviewMilestoneAdmin(CosaHistoryAdmin):
    list_display = ["circle", "kind", "due_on", "completed_on", "decision"]
    list_filter = ["kind", "decision"]
    list_select_related = ["circle__core_member"]
    raw_id_fields = ["circle", "completed_by"]


@admin.register(Reminder)
class ReminderAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    """Read-only: reminders are created, claimed and sent by the sweep (circles.reminders)."""

    list_display = ["kind", "object_id", "recipient", "period", "due_at", "sent_at", "attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "=object_id"]
    date_hierarchy = "due_at"


@admin.register(SweepRun)
class SweepRunAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    access_logged = False  # the sweep's own bookkeeping: counts and timings
    list_display = ["started_at", "finished_at", "created", "enqueued", "queries", "error"]
    date_hierarchy = "started_at"


# Safeguarding: cover and its grants change only through circles.cover; the action log
# is append-only. The admin shows them, read-only.
@admin.register(Cover)
class CoverAdmin(NoAddOrChangeAdminMixin, CosaHistoryAdmin):
    list_display = ["coordinator", "deputy", "starts_on", "ends_on", "started_at", "ended_at"]
    list_select_related = ["coordinator", "deputy"]


@admin.register(FrequencyChange)
class FrequencyChangeAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    # The frequency history is written by the step-down service with the covenant.
    list_display = ["circle", "frequency", "from_date", "decided_by", "decided_at"]
    list_select_related = ["circle__core_member", "decided_by"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(NoAddOrChangeAdminMixin, CosaHistoryAdmin):
    list_display = ["staff", "starts_at", "ends_at", "ended_at"]
    list_select_related = ["staff"]


@admin.register(ConcernAction)
class ConcernActionAdmin(NoAddOrChangeAdminMixin, CosaModelAdmin):
    list_display = ["concern", "kind", "acted_at", "acted_by"]
    list_select_related = ["concern", "acted_by"]


@admin.register(SafeguardingContact)
class SafeguardingContactAdmin(CosaModelAdmin):
    list_display = ["name", "organisation", "phone", "core_member"]
    list_select_related = ["core_member"]
    raw_id_fields = ["core_member", "created_by"]
