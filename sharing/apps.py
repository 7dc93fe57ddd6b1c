from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Share codes and care-team changes")

    def ready(self):
        from . import audit

        audit.connect()
