from django.apps import AppConfig


class DosesConfig(AppConfig):
    name = "doses"
    verbose_name = "Doses, check-ins and labs"

    def ready(self):
        from . import freshness, triage

        freshness.connect()
        triage.connect()
