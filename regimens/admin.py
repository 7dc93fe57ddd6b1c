"""Admins edit the regimen templates (phases inline) and can prescribe one to a patient;
a patient's own phases are read-only here, so that every change to them is recorded by the
regimen actions."""

from django import forms
from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import PHASE_FIELDS, Phase, PhaseTemplate, Regimen, RegimenChange, RegimenTemplate


class PhaseTemplateInline(admin.StackedInline):  # stacked: each field has its label
    model = PhaseTemplate
    extra = 0
    min_num = 1
    fields = PHASE_FIELDS


@admin.register(RegimenTemplate)
class RegimenTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "medication", "default_route", "is_example", "active"]
    list_filter = ["medication", "active", "is_example"]
    search_fields = ["name"]
    inlines = [PhaseTemplateInline]


class PhaseInline(admin.StackedInline):
    model = Phase
    extra = 0
    can_delete = False
    fields = PHASE_FIELDS
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PrescribeForm(forms.ModelForm):
    class Meta:
        model = Regimen
        fields = [
            "patient",
            "template",
            "prescriber",
            "start_date",
            "concentration_mcg_per_ml",
            "route",
            "prescriber_note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].required = True
        self.fields["concentration_mcg_per_ml"].required = False
        self.fields["route"].required = False


@admin.register(Regimen)
class RegimenAdmin(admin.ModelAdmin):
    list_display = ["patient", "name", "status", "current_phase", "next_due", "start_date"]
    list_filter = ["status", "medication"]
    search_fields = ["patient__name", "patient__email", "name"]
    autocomplete_fields = ["patient", "prescriber"]
    inlines = [PhaseInline]
    readonly_fields = [
        "template",
        "name",
        "medication",
        "current_phase",
        "next_due",
        "given_in_phase",
        "phase_entered_on",
        "phase_first_event_on",
        "last_event_on",
        "status",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PrescribeForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return PrescribeForm.Meta.fields
        return [
            "patient",
            "prescriber",
            "start_date",
            "concentration_mcg_per_ml",
            "route",
            "prescriber_note",
            *self.readonly_fields,
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Copy the template's phases: later edits to the template never reach this regimen.
        data = form.cleaned_data
        created = Regimen.from_template(
            data["template"],
            data["patient"],
            data["start_date"],
            prescriber=data.get("prescriber"),
            concentration=data.get("concentration_mcg_per_ml"),
            route=data.get("route"),
        )
        created.prescriber_note = data.get("prescriber_note") or created.prescriber_note
        created.save(update_fields=["prescriber_note"])
        obj.pk = created.pk


@admin.register(RegimenChange)
class RegimenChangeAdmin(ReadOnlyAdmin):
    """Every change to a patient's regimen, with who, when, why and the values: read-only."""

    list_display = ["at", "patient", "kind", "by", "reason"]
    list_filter = ["kind"]
    search_fields = ["patient__email", "by__email", "reason"]
    list_select_related = ["patient", "by"]
