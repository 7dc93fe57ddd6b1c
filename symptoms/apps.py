from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SymptomsConfig(AppConfig):
    """Check-ins, the signs they warn about and the wear-off analysis. The check-in pages and
    the action that records one are in doses, which raises the alerts a check-in calls for."""

    name = "symptoms"
    verbose_name = _("Symptom check-ins")
