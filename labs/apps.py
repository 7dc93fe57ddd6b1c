from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = _("Lab results")

    def ready(self):
        from doses import freshness

        from .models import LabResult

        freshness.watch(LabResult)  # the home shows the latest results
