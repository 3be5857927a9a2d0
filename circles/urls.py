from django.urls import path

from circles.views import circles, handover, meetings, minutes, operations, safeguarding

app_name = "circles"

urlpatterns = [
    path("", circles.index, name="index"),
    path("export.csv", circles.export, name="export"),
    path("reminders/operations/", operations.operations, name="reminders_operations"),
    path("new/<int:core_member_pk>/", circles.create, name="create"),
    path("<int:pk>/", circles.detail, name="detail"),
    path("<int:pk>/meetings/<int:meeting_pk>/notes/", circles.note_detail, name="note_detail"),
    path("<int:pk>/concerns/<int:concern_pk>/", circles.concern_detail, name="concern_detail"),
    path(
        "<int:pk>/concerns/<int:concern_pk>/actions/",
        safeguarding.concern_action_add,
        name="concern_action_add",
    ),
    path(
        "core-members/<int:core_member_pk>/contacts/",
        safeguarding.contacts,
        name="contacts",
    ),
    path(
        "core-members/<int:core_member_pk>/contacts/<int:pk>/remove/",
        safeguarding.contact_remove,
        name="contact_remove",
    ),
    path("cover/", safeguarding.cover_list, name="cover_list"),
    path("cover/new/", safeguarding.cover_new, name="cover_new"),
    path("cover/<int:pk>/", safeguarding.cover_edit, name="cover_edit"),
    path("cover/<int:pk>/end/", safeguarding.cover_end, name="cover_end"),
    path("on-call/", safeguarding.shift_list, name="shift_list"),
    path("on-call/new/", safeguarding.shift_new, name="shift_new"),
    path("on-call/<int:pk>/", safeguarding.shift_edit, name="shift_edit"),
    path("on-call/<int:pk>/end/", safeguarding.shift_end, name="shift_end"),
    path("<int:pk>/coordinator/", circles.coordinator_change, name="coordinator_change"),
    # Leaving the pool ends circle memberships, so the page lives with circles.
    path(
        "volunteers/<int:volunteer_pk>/leave/",
        circles.volunteer_leave,
        name="volunteer_leave",
    ),
    path("<int:pk>/volunteers/", circles.match, name="match"),
    path(
        "<int:pk>/memberships/<int:membership_pk>/end/",
        circles.membership_end,
        name="membership_end",
    ),
    path("<int:pk>/covenant/", circles.covenant, name="covenant"),
    path("<int:pk>/pattern/", circles.pattern, name="pattern"),
    path("<int:pk>/launch/", circles.launch, name="launch"),
    path("<int:pk>/step-down/", circles.step_down, name="step_down"),
    path("<int:pk>/resume/", circles.resume, name="resume"),
    path("<int:pk>/end/", circles.end, name="end"),
    path("<int:pk>/reviews/<int:milestone_pk>/", circles.review, name="review"),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/cancel/",
        circles.meeting_cancel,
        name="meeting_cancel",
    ),
    path("<int:pk>/meetings/", meetings.meetings, name="meetings"),
    path("<int:pk>/meetings/new/", meetings.meeting_add, name="meeting_add"),
    path("<int:pk>/meetings/<int:meeting_pk>/move/", meetings.meeting_move, name="meeting_move"),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/move-off-holiday/",
        meetings.meeting_move_off_holiday,
        name="meeting_move_off_holiday",
    ),
]

urlpatterns += [
    # Minutes, observations, contacts, concerns, the dashboards and the risk trend.
    path("mine/", minutes.mine, name="mine"),
    path("dashboard/", minutes.dashboard, name="dashboard"),
    path("dashboard/<slug:which>/", minutes.dashboard_list, name="dashboard_list"),
    path(
        "core-members/<int:core_member_pk>/risk-trend/",
        minutes.risk_trend,
        name="risk_trend",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/write/",
        minutes.note_write,
        name="note_write",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/observations/",
        minutes.observation_add,
        name="observation_add",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/notes/review/",
        minutes.note_review,
        name="note_review",
    ),
    path("<int:pk>/contacts/new/", minutes.contact_log, name="contact_log"),
    path("<int:pk>/emergency-meeting/", minutes.emergency_request, name="emergency_request"),
    path("<int:pk>/concerns/new/", minutes.concern_raise, name="concern_raise"),
    path(
        "<int:pk>/concerns/<int:concern_pk>/triage/",
        minutes.concern_triage,
        name="concern_triage",
    ),
    path(
        "<int:pk>/concerns/<int:concern_pk>/close/",
        minutes.concern_close,
        name="concern_close",
    ),
    # From the Core Member's page: the record, open referral and open circle move together.
    path(
        "core-members/<int:core_member_pk>/handover/",
        handover.coordinator_handover,
        name="coordinator_handover",
    ),
    # A departing coordinator's whole caseload, in one step (managers only).
    path(
        "caseloads/<int:coordinator_pk>/reassign/",
        handover.caseload_reassign,
        name="caseload_reassign",
    ),
]
