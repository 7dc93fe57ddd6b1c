from django import forms
from django.utils.translation import gettext_lazy as _

from . import codes


class EnterCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Share code"),
        max_length=24,
        help_text=_(
            "The 8 letters and digits the patient gives you, such as 7K3M-Q9TX. "
            "Capitals, spaces and dashes do not matter."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self):
        code = codes.normalize(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _(
                    "A share code is 8 letters and digits, such as 7K3M-Q9TX. "
                    "Check it and try again."
                )
            )
        return code
