"""Read-only views of what patients recorded; changes go through the app, which keeps versions.
Each list or record an admin opens is logged for its patients (accounts/admin_base.py)."""

from django.contrib import admin

from accounts.admin_base import AuditedPatientDataAdmin, ReadOnlyAdmin

from .models import (
    DoseLog,
    DoseLogVersion,
)


class VersionInline(admin.TabularInline):
    model = DoseLogVersion
    extra = 0
    fields = ["change", "changed_at", "changed_by", "reason", "previous"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DoseLog)
class DoseLogAdmin(AuditedPatientDataAdmin, ReadOnlyAdmin):
    list_display = [
        "patient",
        "status",
        "administered_at",
        "dose_mcg",
        "route",
        "site",
        "deleted_at",
    ]
    list_filter = ["status", "route", "administered_by"]
    search_fields = ["patient__email", "patient__name"]
    list_select_related = ["patient"]
    inlines = [VersionInline]
