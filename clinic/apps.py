from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicConfig(AppConfig):
    """The clinician's side: the triage list, a patient's record and report, the charts."""

    name = "clinic"
    verbose_name = _("Clinic")

    def ready(self):
        # The care-team rows carry copies of each patient's next due date and name, so that a
        # clinician's list sorts on one index; these signals keep them in step whatever
        # changes a regimen, a name or a membership (clinic/triage.py).
        from doses import freshness
        from doses.models import ClinicalNote
        from regimens.models import RegimenChange

        from . import triage

        triage.connect()
        # The record's timeline is kept under the record version (clinic/record_history.py):
        # the notes and the regimen's changes it shows raise it too.
        freshness.watch(ClinicalNote)
        freshness.watch(RegimenChange)
