from django.urls import path

from . import views

urlpatterns = [
    path("labs/", views.labs, name="labs"),
    path("labs/new/", views.lab_new, name="lab_new"),
    path("labs/<int:pk>/", views.lab_detail, name="lab_detail"),
    path("labs/<int:pk>/correct/", views.lab_correct, name="lab_correct"),
    path("labs/<int:pk>/delete/", views.lab_delete, name="lab_delete"),
    path("labs/<int:pk>/restore/", views.lab_restore, name="lab_restore"),
    path("patients/<int:patient_id>/labs/new/", views.clinic_lab, name="clinic_lab"),
]
