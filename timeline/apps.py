from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    """Everything recorded about a patient in one time-ordered list (timeline/page.py): the
    patient's own history page here, the clinician's record in clinic."""

    name = "timeline"
    verbose_name = _("Timeline")
