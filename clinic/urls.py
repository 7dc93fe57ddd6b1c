from django.urls import path

from .views import charts, clinician, pharmacy, report

urlpatterns = [
    path(
        "pharmacy/patients/<int:patient_id>/",
        pharmacy.pharmacy_patient,
        name="pharmacy_patient",
    ),
    path("patients/<int:patient_id>/charts/<slug:name>.svg", charts.chart, name="patient_chart"),
    path("patients/<int:patient_id>/", clinician.patient_record, name="patient_record"),
    path("patients/<int:patient_id>/report/", report.report, name="patient_report"),
    path("patients/<int:patient_id>/injections/log/", clinician.clinic_dose, name="clinic_dose"),
    path("patients/<int:patient_id>/notes/", clinician.add_note, name="add_note"),
    path(
        "patients/<int:patient_id>/alerts/<int:pk>/acknowledge/",
        clinician.acknowledge_alert,
        name="acknowledge_alert",
    ),
]
