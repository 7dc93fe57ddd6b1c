"""Read-only views of reminder settings, the reminders sent and the calendar feeds, for admins
looking into a support question. Patients change their own settings; a feed's token is never
shown, since it is the patient's secret. Reading the reminders sent or the calendar entries
(due injections) is logged for the patient (accounts/admin_base.py). The clinicians' digest
choices and the digests sent name no patient (a count only), so reading them is not logged."""

from django.contrib import admin

from accounts.admin_base import AuditedPatientDataAdmin, ReadOnlyAdmin

from .models import (
    CalendarEntry,
    CalendarFeed,
    DigestSent,
    DigestSettings,
    ReminderSent,
    ReminderSettings,
)


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "due_soon",
        "lead_days",
        "due_today",
        "overdue",
        "running_out",
        "delivery",
        "snooze_minutes",
        "send_hour",
    ]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user"]


@admin.register(ReminderSent)
class ReminderSentAdmin(AuditedPatientDataAdmin, ReadOnlyAdmin):
    patient_path = "user"  # each reminder names a due injection: logged for the patient
    list_display = ["user", "kind", "key", "status", "claimed_at", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user"]


@admin.register(DigestSettings)
class DigestSettingsAdmin(ReadOnlyAdmin):
    list_display = ["user", "frequency", "send_hour", "weekday", "updated_at"]
    list_filter = ["frequency"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user"]


@admin.register(DigestSent)
class DigestSentAdmin(ReadOnlyAdmin):
    list_display = ["user", "period", "status", "patients", "claimed_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at", "last_fetched_at"]
    fields = ["user", "created_at", "last_fetched_at"]  # not the token
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user"]

    def has_delete_permission(self, request, obj=None):
        # An admin may turn off a leaked feed (the patient can make a new one).
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(CalendarEntry)
class CalendarEntryAdmin(AuditedPatientDataAdmin, ReadOnlyAdmin):
    patient_path = "regimen.patient"  # due dates: logged for the patient
    list_display = ["regimen", "number", "due_on", "sequence", "changed_at"]
    list_select_related = ["regimen__patient"]
