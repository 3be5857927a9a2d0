from django.urls import path

from . import views

app_name = "core_members"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/audit/", views.audit_trail, name="audit"),
    path("<int:pk>/identity/", views.identity_edit, name="identity_edit"),
    path("<int:pk>/statutory/", views.statutory_edit, name="statutory_edit"),
    path("<int:pk>/areas/", views.areas_edit, name="areas_edit"),
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
