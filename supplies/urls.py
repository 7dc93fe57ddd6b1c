from django.urls import path

from . import label_views, views

urlpatterns = [
    path("supplies/", views.supplies, name="supplies"),
    path("supplies/new/", views.supply_new, name="supply_new"),
    path("supplies/<int:pk>/correct/", views.supply_correct, name="supply_correct"),
    path("supplies/<int:pk>/delete/", views.supply_delete, name="supply_delete"),
    path("supplies/<int:pk>/restore/", views.supply_restore, name="supply_restore"),
    path("supplies/<int:pk>/label/", label_views.supply_label, name="supply_label"),
    path("labels/<int:pk>/photo/", label_views.label_photo, name="label_photo"),
    path("patients/<int:patient_id>/labels/", label_views.patient_labels, name="patient_labels"),
    path(
        "patients/<int:patient_id>/labels/<int:pk>/verdict/",
        label_views.label_verdict,
        name="label_verdict",
    ),
]
