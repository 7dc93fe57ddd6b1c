"""The clinician's digest choice, shown on their account page (templates/accounts/settings.html),
which the accounts app renders without knowing of reminders: the form is found here."""

from django import template

from ..forms import DigestSettingsForm
from ..models import DigestSettings

register = template.Library()


@register.simple_tag(takes_context=True)
def digest_settings_form(context) -> DigestSettingsForm:
    """The form the page was rendered with after a rejected save (`digest_form`, with its
    errors), or else the clinician's current choice (one query)."""
    return context.get("digest_form") or DigestSettingsForm(
        instance=DigestSettings.of(context["user"])
    )
