from django.urls import path

from . import views

urlpatterns = [
    path("supplies/", views.supplies, name="supplies"),
    path("supplies/new/", views.supply_new, name="supply_new"),
    path("supplies/<int:pk>/correct/", views.supply_correct, name="supply_correct"),
    path("supplies/<int:pk>/delete/", views.supply_delete, name="supply_delete"),
    path("supplies/<int:pk>/restore/", views.supply_restore, name="supply_restore"),
]
