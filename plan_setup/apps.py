from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanSetupConfig(AppConfig):
    """ "Set up my injections": a patient enters their own regimen from a prescription, with
    the injections they already had. It sits above regimens and doses, whose actions it uses
    to save what the review step showed."""

    name = "plan_setup"
    verbose_name = _("Setting up a plan")
