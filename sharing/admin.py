from django.contrib import admin

from .models import CareTeamEvent, ShareCode


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShareCode)
class ShareCodeAdmin(ReadOnly):
    """Share codes, without the codes (only their hashes are stored)."""

    list_display = ["patient", "status", "created_at", "expires_at", "clinician", "decided_at"]
    list_filter = ["status"]
    search_fields = ["patient__email", "clinician__email"]
    list_select_related = ["patient", "clinician"]
    exclude = ["code_hash"]


@admin.register(CareTeamEvent)
class CareTeamEventAdmin(ReadOnly):
    """The audit of care-team changes: read-only."""

    list_display = ["at", "patient", "kind", "clinician_name", "source", "actor"]
    list_filter = ["kind", "source"]
    search_fields = ["patient__email", "clinician_name"]
    list_select_related = ["patient", "actor"]
    date_hierarchy = "at"
