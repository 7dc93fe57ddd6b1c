from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin

from .models import CareTeamEvent, ShareCode


@admin.register(ShareCode)
class ShareCodeAdmin(ReadOnlyAdmin):
    """Share codes, without the codes (only their hashes are stored)."""

    list_display = ["patient", "status", "created_at", "expires_at", "clinician", "decided_at"]
    list_filter = ["status"]
    search_fields = ["patient__email", "clinician__email"]
    list_select_related = ["patient", "clinician"]
    exclude = ["code_hash"]


@admin.register(CareTeamEvent)
class CareTeamEventAdmin(ReadOnlyAdmin):
    """The audit of care-team changes: read-only."""

    list_display = ["at", "patient", "kind", "clinician_name", "source", "actor"]
    list_filter = ["kind", "source"]
    search_fields = ["patient__email", "clinician_name"]
    list_select_related = ["patient", "actor"]
    date_hierarchy = "at"
