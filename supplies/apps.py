from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "supplies"
    verbose_name = _("Supplies")

    def ready(self):
        from doses import freshness

        from .models import LabelPhoto, Supply

        freshness.watch(Supply)  # the home's supplies card is cached like the rest of it
        freshness.watch(LabelPhoto)  # it shows the verdicts on the labels too
        freshness.names_shown(LabelPhoto, "verdict_by")  # and who gave them
