from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.reminder_settings, name="reminder_settings"),
    path("settings/digest/", views.digest_settings, name="digest_settings"),
    path("settings/calendar/", views.calendar_feed_token, name="calendar_feed_token"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/token/", views.offline_token, name="offline_token"),
    path("settings/notifications/", views.push_subscribe, name="push_subscribe"),
    path(
        "settings/notifications/<int:pk>/remove/",
        views.push_device_remove,
        name="push_device_remove",
    ),
    path("notifications/snooze/<str:token>/", views.push_snooze, name="push_snooze"),
]
