from django.urls import path

from . import views

urlpatterns = [
    path("injections/log/", views.log_dose, name="log_dose"),
]
