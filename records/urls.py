from django.urls import path

from . import views

urlpatterns = [
    path("export/", views.export, name="export"),
    path("export/fhir/", views.export_fhir, name="export_fhir"),
    path("export/csv/", views.export_csv, name="export_csv"),
    path(
        "patients/<int:patient_id>/export/fhir/",
        views.patient_export_fhir,
        name="patient_export_fhir",
    ),
    path(
        "patients/<int:patient_id>/export/csv/",
        views.patient_export_csv,
        name="patient_export_csv",
    ),
    # Under accounts/ with the other account pages; the view is here (records/deletion.py).
    path("accounts/delete/", views.delete_account_view, name="delete_account"),
]
