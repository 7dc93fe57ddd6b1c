"""Check-ins, read-only as every patient record in the admin; each list or record an admin opens
is logged for its patients (accounts/admin_base.py)."""

from django.contrib import admin

from accounts.admin_base import AuditedPatientDataAdmin, ReadOnlyAdmin

from .models import SymptomEntry


@admin.register(SymptomEntry)
class SymptomEntryAdmin(AuditedPatientDataAdmin, ReadOnlyAdmin):
    list_display = [
        "patient",
        "recorded_at",
        "fatigue",
        "tingling",
        "numbness",
        "balance",
        "memory",
        "mood",
    ]
    list_select_related = ["patient"]
    search_fields = ["patient__email", "patient__name"]
