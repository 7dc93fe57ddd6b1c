from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DosesConfig(AppConfig):
    name = "doses"
    verbose_name = _("Doses, check-ins and labs")

    def ready(self):
        from . import freshness

        freshness.connect()
