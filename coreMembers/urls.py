from django.urls import path

from . import views, views_outcomes, views_privacy, views_sharing

app_name = "core_members"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/audit/", views.audit_trail, name="audit"),
    path("<int:pk>/identity/", views.identity_edit, name="identity_edit"),
    path("<int:pk>/statutory/", views.statutory_edit, name="statutory_edit"),
    path("<int:pk>/mappa/", views.mappa_add, name="mappa_add"),
    path("<int:pk>/risk-assessments/new/", views.risk_assessment_add, name="risk_assessment_add"),
    path("<int:pk>/agreements/new/", views.agreement_add, name="agreement_add"),
    path(
        "<int:pk>/agreements/<int:agreement_pk>/withdraw/",
        views.agreement_withdraw,
        name="agreement_withdraw",
    ),
    path("<int:pk>/liaisons/new/", views.liaison_add, name="liaison_add"),
    path("<int:pk>/liaisons/<int:assignment_pk>/end/", views.liaison_end, name="liaison_end"),
    path("<int:pk>/coordinator/", views.coordinator_assign, name="coordinator_assign"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/assess/", views.referral_assess, name="referral_assess"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<int:pk>/decline/", views.referral_decline, name="referral_decline"),
    path("referrals/<int:pk>/withdraw/", views.referral_withdraw, name="referral_withdraw"),
    path("referrals/<int:pk>/coordinator/", views.referral_assign, name="referral_assign"),
    path(
        "referrals/<int:pk>/documents/new/",
        views.referral_document_add,
        name="referral_document_add",
    ),
    path(
        "referrals/<int:pk>/documents/<int:document_pk>/",
        views.referral_document,
        name="referral_document",
    ),
]

urlpatterns += [
    path("records/", views_sharing.record_list, name="records"),
    path("records/approvals/", views_sharing.record_approvals, name="record_approvals"),
    path("records/<int:pk>/", views_sharing.record_detail, name="record_detail"),
    path(
        "records/<int:pk>/acknowledge/", views_sharing.record_acknowledge, name="record_acknowledge"
    ),
    path("records/<int:pk>/approve/", views_sharing.record_approve, name="record_approve"),
    path("records/<int:pk>/decline/", views_sharing.record_decline, name="record_decline"),
    path("records/<int:pk>/edit/", views_sharing.record_edit, name="record_edit"),
    path("records/<int:pk>/addendum/", views_sharing.record_addendum, name="record_addendum"),
    path("records/<int:pk>/print/", views_sharing.record_print, name="record_print"),
    path("<int:pk>/records/new/", views_sharing.record_compose, name="record_compose"),
]
urlpatterns += [
    # Data-subject rights and retention: manager-only pages.
    path("privacy/", views_privacy.privacy_index, name="privacy"),
    path("<int:pk>/privacy/", views_privacy.privacy_record, name="privacy_record"),
    path("<int:pk>/subject-access.json", views_privacy.subject_access, name="subject_access"),
    path("<int:pk>/legal-hold/", views_privacy.legal_hold, name="legal_hold"),
    path("<int:pk>/erase/", views_privacy.erase, name="erase"),
]
urlpatterns += [
    # Outcomes: a Core Member's recalls and reconvictions.
    path("<int:pk>/outcomes/", views_outcomes.outcomes, name="outcomes"),
    path("<int:pk>/outcomes/new/", views_outcomes.outcome_record, name="outcome_record"),
]
