from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo accounts and synthetic patients (`manage.py seed_demo`): nothing at run time
    imports this app (the import contract in pyproject.toml says so)."""

    name = "demo"
    verbose_name = _("Demo data")
