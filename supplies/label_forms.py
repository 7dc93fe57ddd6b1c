"""The forms of label photos: the patient's upload and the clinician's verdict."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LabelPhoto


class LabelPhotoForm(forms.Form):
    # A plain file field: supplies/photos.py decides what a photo is, with its own messages.
    photo = forms.FileField(
        label=_("Photo of the label"),
        help_text=_("A JPEG, PNG or WebP picture where the product name and strength can be read."),
        # No `capture`: a phone then offers its camera and the photos already taken.
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        error_messages={
            "required": _("Choose a photo of the label."),
            "empty": _("This file is empty: choose a photo of the label."),
        },
    )


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            (LabelPhoto.Verdict.VERIFIED, _("Verified against the prescription")),
            (LabelPhoto.Verdict.MISMATCH, _("Does not match")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when it does not match: say what differs. The patient sees it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("verdict") == LabelPhoto.Verdict.MISMATCH and not data.get("note", "").strip():
            self.add_error("note", _("Say what does not match."))
        return data
