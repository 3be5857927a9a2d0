"""Documents hang off the records they are filed on; the paths say whose they are."""

from django.urls import path

from documents import views

app_name = "documents"

PREFIXES = {
    "core_member": "core-members",
    "circle": "circles",
    "volunteer": "volunteers",
}

urlpatterns = [
    path(
        "volunteers/<int:pk>/dbs/<int:check_pk>/decision/",
        views.dbs_decision,
        name="dbs_decision",
    ),
    path("volunteers/<int:pk>/dbs/<int:check_pk>/scan/", views.dbs_scan, name="dbs_scan"),
]
for kind, prefix in PREFIXES.items():
    urlpatterns += [
        path(
            f"{prefix}/<int:pk>/documents/",
            views.document_list,
            {"kind": kind},
            name=f"{kind}_list",
        ),
        path(
            f"{prefix}/<int:pk>/documents/add/",
            views.document_add,
            {"kind": kind},
            name=f"{kind}_add",
        ),
        path(
            f"{prefix}/<int:pk>/documents/<int:doc_pk>/",
            views.document_download,
            {"kind": kind},
            name=f"{kind}_download",
        ),
    ]
