from django.urls import path

from .views import patient

urlpatterns = [
    path("injections/skip/", patient.skip_dose, name="skip_dose"),
    path("injections/<int:pk>/", patient.dose_detail, name="dose_detail"),
    path("injections/<int:pk>/correct/", patient.correct_dose, name="correct_dose"),
    path("injections/<int:pk>/delete/", patient.delete_dose, name="delete_dose"),
    path("injections/<int:pk>/restore/", patient.restore_dose, name="restore_dose"),
    path(
        "plan-changes/<int:pk>/dismiss/",
        patient.dismiss_plan_change,
        name="dismiss_plan_change",
    ),
    path("checkins/new/", patient.checkin, name="checkin"),
    path("checkins/<int:pk>/", patient.checkin_detail, name="checkin_detail"),
]
