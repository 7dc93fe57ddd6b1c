from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Share codes and care-team changes")

    def ready(self):
        from doses import freshness

        from . import audit
        from .models import ShareCode

        audit.connect()
        # The home lists the clinicians whose requests wait for the patient's approval.
        freshness.names_shown(ShareCode, "clinician")
