"""Lab results, read-only as every patient record in the admin (changes go through the app,
which keeps versions), and the typical ranges, which admins edit."""

from django.contrib import admin

from accounts.admin_base import AuditedPatientDataAdmin, ReadOnlyAdmin
from doses.admin import VersionInline

from .models import LabRange, LabResult, LabResultVersion


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
