"""Read-only views of what patients recorded; changes go through the app, which keeps versions.
Each list or record an admin opens is logged for its patients (accounts/admin_base.py)."""

from django.contrib import admin

from accounts.admin_base import AuditedPatientDataAdmin, ReadOnlyAdmin

from .models import (
    DoseLog,
    DoseLogVersion,
    LabRange,
    LabResult,
    LabResultVersion,
    SymptomEntry,
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


class LabResultVersionInline(VersionInline):
    model = LabResultVersion


@admin.register(LabResult)
class LabResultAdmin(AuditedPatientDataAdmin, ReadOnlyAdmin):
    list_display = [
        "patient",
        "taken_on",
        "analyte",
        "value",
        "unit",
        "value_canonical",
        "deleted_at",
    ]
    list_filter = ["analyte"]
    list_select_related = ["patient"]
    search_fields = ["patient__email", "patient__name"]
    inlines = [LabResultVersionInline]


@admin.register(LabRange)
class LabRangeAdmin(admin.ModelAdmin):
    """Typical ranges, shown to patients and clinicians as 'typical, your lab may differ'."""

    list_display = ["analyte", "low", "high", "unit"]
    fields = ["analyte", "low", "high", "note"]
