"""The regimen templates admins edit: their phases, drafts and published, earlier versions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.dates import BoundedDates

from .. import phase_labels, template_rules
from .fields import Medication, PhaseFields, Route


class TemplateQuerySet(models.QuerySet):
    def available(self):
        """The templates patients and clinicians may choose: published and active."""
        return self.filter(active=True, status=RegimenTemplate.Status.PUBLISHED)


class RegimenTemplate(BoundedDates, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft: only admins see it")
        PUBLISHED = "published", _("Published: patients and clinicians may choose it")

    name = models.CharField(max_length=160, unique=True)
    medication = models.CharField(max_length=20, choices=Medication.choices)
    default_route = models.CharField(max_length=2, choices=Route.choices, default=Route.IM)
    source = models.TextField(blank=True, help_text=_("Where the example comes from."))
    is_example = models.BooleanField(
        default=True, help_text=_("An example from public sources: the prescriber confirms.")
    )
    active = models.BooleanField(default=True)
    # Schedule rule 6: an open-ended phase before the last is reached past only when a
    # clinician advances it; without this, the phases after it could never be reached.
    clinician_advances = models.BooleanField(
        _("a clinician advances open phases"),
        default=False,
        help_text=_(
            "Tick when a phase before the last is open-ended: a clinician moves the patient "
            "on to the next phase."
        ),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = TemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("regimen templates")

    def __str__(self):
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def clean_phases(self, phases: list[dict]) -> None:
        """The rules across phases (template_rules.check_template) for these phases' values,
        in order; raises ValidationError listing every problem. The admin's inline formset and
        the loader call it with the phases about to be saved."""
        problems = template_rules.check_template(phases, clinician_advances=self.clinician_advances)
        if problems:
            raise ValidationError([problem.message for problem in problems])

    def snapshot(self) -> dict:
        """The template's and its phases' values as stored, for RegimenTemplateVersion."""
        fields = [
            "name",
            "medication",
            "default_route",
            "source",
            "is_example",
            "active",
            "clinician_advances",
            "status",
        ]
        return {
            **{name: getattr(self, name) for name in fields},
            "phases": [
                {**p.phase_values(), "dose_intended": p.dose_intended}
                for p in self.phases.order_by("order")
            ],
        }


class PhaseTemplate(BoundedDates, PhaseFields):
    template = models.ForeignKey(RegimenTemplate, on_delete=models.CASCADE, related_name="phases")
    # A dose outside the medication's usual range (reference dose_ranges_mcg) is saved only
    # when an admin says it is intended; who said so and when are kept.
    dose_intended = models.BooleanField(
        _("this dose is intended"),
        default=False,
        help_text=_("Tick to keep a dose outside the medication's usual range."),
    )
    dose_intended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    dose_intended_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(PhaseFields.Meta):
        verbose_name_plural = _("phase templates")
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="phase_template_order")
        ]

    def __str__(self):
        return self.label

    def _medication(self) -> str:
        try:
            return self.template.medication
        except RegimenTemplate.DoesNotExist:  # not attached yet: no range to check
            return ""

    def clean(self):
        """PhaseFields' rules, then: an empty label is written from the schedule, a given
        label must not contradict it, and a dose outside the usual range must be intended."""
        super().clean()
        if not self.label:
            self.label = phase_labels.default_label(self.phase_values())
        problems = template_rules.check_phase(
            self.phase_values(), medication=self._medication(), dose_intended=self.dose_intended
        )
        if problems:
            raise ValidationError(problems)

    def mark_dose_intended(self, by) -> None:
        """Keep who ticked "this dose is intended", and when (before saving)."""
        if self.dose_intended:
            self.dose_intended_by, self.dose_intended_at = by, timezone.now()
        else:
            self.dose_intended_by = self.dose_intended_at = None


class RegimenTemplateVersion(BoundedDates, models.Model):
    """A template's values before an admin's change: who changed it, when, and the old
    template and phase values."""

    template = models.ForeignKey(RegimenTemplate, on_delete=models.CASCADE, related_name="versions")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous = models.JSONField(help_text=_("The template and its phases before the change."))

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name_plural = _("regimen template versions")

    def __str__(self):
        return f"{self.template} before {self.changed_at:%Y-%m-%d %H:%M}"
