from django.contrib import admin
from django.urls import include, path

from accounts.views import health

from .views import home

# A database that cannot be reached is a 503 saying nothing was saved (config/unavailable.py).
handler500 = "config.unavailable.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("doses.urls")),
    path("", include("supplies.urls")),
    path("", include("labs.urls")),
    path("", include("clinic.urls")),
    path("", include("home.urls")),
    path("", include("timeline.urls")),
    path("", include("regimens.urls")),
    path("", include("plan_setup.urls")),
    path("", include("reminders.urls")),
    path("", include("sharing.urls")),
    path("", include("records.urls")),
    path("", include("api.urls")),
]
