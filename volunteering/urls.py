from django.urls import path

from . import views

app_name = "volunteering"

urlpatterns = [
    path("expenses/", views.claims, name="claims"),
    path("expenses/new/", views.claim_new, name="claim_new"),
    path("expenses/queue/", views.queue, name="queue"),
    path("expenses/payment/", views.payment, name="payment"),
    path("expenses/mileage-rate/", views.mileage_rate, name="mileage_rate"),
    path("expenses/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("expenses/<int:pk>/receipt/", views.claim_receipt, name="claim_receipt"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/debriefs/<int:pk>/", views.debrief_record, name="debrief_record"),
]
