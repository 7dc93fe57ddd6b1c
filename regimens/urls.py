from django.urls import path

from . import views

urlpatterns = [
    path("patients/<int:patient_id>/regimen/confirm/", views.confirm, name="confirm_regimen"),
    path("patients/<int:patient_id>/regimen/prescribe/", views.prescribe, name="prescribe"),
    path("patients/<int:patient_id>/regimen/advance/", views.advance, name="advance_phase"),
    path("patients/<int:patient_id>/regimen/end/", views.end, name="end_regimen"),
    path("patients/<int:patient_id>/regimen/lab-review/", views.lab_review, name="set_lab_review"),
    path(
        "patients/<int:patient_id>/regimen/phases/<int:phase_id>/",
        views.change_phase,
        name="change_phase",
    ),
]
