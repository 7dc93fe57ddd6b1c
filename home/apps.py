from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The patient's home and the injection form it opens (home/views.py)."""

    name = "home"
    verbose_name = _("Patient home")
