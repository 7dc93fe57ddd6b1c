from django.urls import path

from .views import labs, patient

urlpatterns = [
    path("injections/skip/", patient.skip_dose, name="skip_dose"),
    path("injections/<int:pk>/", patient.dose_detail, name="dose_detail"),
    path("injections/<int:pk>/correct/", patient.correct_dose, name="correct_dose"),
    path("injections/<int:pk>/delete/", patient.delete_dose, name="delete_dose"),
    path("injections/<int:pk>/restore/", patient.restore_dose, name="restore_dose"),
    path("history/", patient.history, name="history"),
    path(
        "plan-changes/<int:pk>/dismiss/",
        patient.dismiss_plan_change,
        name="dismiss_plan_change",
    ),
    path("checkins/new/", patient.checkin, name="checkin"),
    path("checkins/<int:pk>/", patient.checkin_detail, name="checkin_detail"),
    path("labs/", labs.labs, name="labs"),
    path("labs/new/", labs.lab_new, name="lab_new"),
    path("labs/<int:pk>/", labs.lab_detail, name="lab_detail"),
    path("labs/<int:pk>/correct/", labs.lab_correct, name="lab_correct"),
    path("labs/<int:pk>/delete/", labs.lab_delete, name="lab_delete"),
    path("labs/<int:pk>/restore/", labs.lab_restore, name="lab_restore"),
    path("patients/<int:patient_id>/labs/new/", labs.clinic_lab, name="clinic_lab"),
]
