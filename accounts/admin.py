from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_base import ReadOnlyAdmin

from . import second_factor
from .models import CareTeamMembership, Invitation, RecordView, User


class CareTeamInline(admin.TabularInline):
    model = CareTeamMembership
    fk_name = "patient"
    extra = 0
    autocomplete_fields = ["clinician"]
    verbose_name = _("care-team member")  # a clinician, pharmacist or carer


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "time_zone", "is_active", "second_factor"]
    list_filter = ["role", "is_active", "is_staff", "second_factor"]
    actions = ["reset_second_factor"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "role", "time_zone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "role", "time_zone", "password1", "password2"],
            },
        ),
    ]
    inlines = [CareTeamInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None and obj.is_patient else []

    def save_formset(self, request, form, formset, change):
        if formset.model is CareTeamMembership:
            # Each grant and removal is audited with the admin who made it (sharing/audit.py).
            for inline_form in formset.forms:
                inline_form.instance.acted_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.action(
        description=_("Reset two-step sign-in (lost phone and recovery codes)"),
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        """The user's app and recovery codes are removed; they add a new app at their next
        sign-in (or now, for a role that requires it). Each reset is in the admin's log."""
        users = [user for user in queryset if user.second_factor]
        for user in users:
            second_factor.remove(user)
            self.log_change(request, user, "Reset two-step sign-in (authenticator app and codes)")
        self.message_user(
            request,
            ngettext(
                "Two-step sign-in reset for %(n)d user.",
                "Two-step sign-in reset for %(n)d users.",
                len(users),
            )
            % {"n": len(users)},
        )


# Devices hold secrets (the app's key, the recovery codes): no admin page shows them; an admin
# resets a user's two-step sign-in from the user list instead.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(CareTeamMembership)
class CareTeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["patient", "clinician", "source", "created_at"]
    list_filter = ["source"]
    autocomplete_fields = ["patient", "clinician"]
    search_fields = ["patient__name", "patient__email", "clinician__name", "clinician__email"]

    # Each grant and removal is audited with the admin who made it (sharing/audit.py).
    def save_model(self, request, obj, form, change):
        obj.acted_by = request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj.acted_by = request.user
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(RecordView)
class RecordViewAdmin(ReadOnlyAdmin):
    """The audit of who looked at which patient's record: read-only."""

    list_display = ["at", "viewer", "patient", "what", "path"]
    list_filter = ["what"]
    search_fields = ["patient__email", "viewer__email"]
    list_select_related = ["patient", "viewer"]
    date_hierarchy = "at"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Clinicians' invitations, to read (the link's token is never stored, only its hash)."""

    list_display = ["email", "clinician", "created_at", "expires_at", "accepted_at", "cancelled_at"]
    search_fields = ["email", "clinician__email"]
    list_select_related = ["clinician"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
