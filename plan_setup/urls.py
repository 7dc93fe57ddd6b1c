from django.urls import path

from . import views

urlpatterns = [
    path("regimen/setup/", views.setup, name="regimen_setup"),
]
