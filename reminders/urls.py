from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.reminder_settings, name="reminder_settings"),
    path("settings/digest/", views.digest_settings, name="digest_settings"),
    path("settings/calendar/", views.calendar_feed_token, name="calendar_feed_token"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
