"""Read-only views of the patients' supplies; changes go through the app (supplies/actions.py),
which keeps versions. Each list or record an admin opens is logged for its patients
(accounts/admin_base.py)."""

from django.contrib import admin

from accounts.admin_base import AuditedPatientDataAdmin, ReadOnlyAdmin
from doses.admin import VersionInline

from .models import Supply, SupplyVersion


class SupplyVersionInline(VersionInline):
    model = SupplyVersion


@admin.register(Supply)
class SupplyAdmin(AuditedPatientDataAdmin, ReadOnlyAdmin):
    list_display = [
        "patient",
        "medication",
        "concentration_mcg_per_ml",
        "container_ml",
        "count",
        "expires_on",
        "received_on",
        "deleted_at",
    ]
    list_filter = ["medication"]
    list_select_related = ["patient"]
    search_fields = ["patient__email", "patient__name", "lot_number"]
    inlines = [SupplyVersionInline]
