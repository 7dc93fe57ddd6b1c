"""Writing through the API as the pages write: the page's form checks the values (and through
it the model's clean()), the page's action records them, and the Idempotency-Key header is the
form's submission token, so a retried request records once."""

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# Keys are the client's own strings; each user's key names one token of theirs.
KEY_NAMESPACE = uuid.UUID("6f1d2c1e-3b53-4a0e-9a7e-5b2f6f0b1e12")
MAX_KEY_LENGTH = 255


class Invalid(Exception):
    """The values are refused: `errors` says why, per field ("non_field" for the whole)."""

    def __init__(self, errors: dict[str, list[str]], status: int = 422):
        super().__init__("invalid")
        self.errors = errors
        self.status = status

    @property
    def detail(self) -> str:
        return gettext("The values were not recorded: see errors.")


def submission_token(user, key: str | None) -> str:
    """The submission token for this request: from its Idempotency-Key, or a new one."""
    if key is None:
        return str(uuid.uuid4())
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise Invalid(
            {
                "Idempotency-Key": [
                    gettext("The Idempotency-Key must be 1 to %(n)s characters.")
                    % {"n": MAX_KEY_LENGTH}
                ]
            }
        )
    return str(uuid.uuid5(KEY_NAMESPACE, f"{user.pk}:{key}"))


def _messages(errors: dict) -> dict[str, list[str]]:
    return {
        ("non_field" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in errors.items()
    }


def valid_form(form_class, data: dict, token: str, **kwargs):
    """The page's form bound to `data` and valid, or Invalid with its errors."""
    bound = {name: value for name, value in data.items() if value is not None}
    form = form_class({**bound, "submission_token": token}, **kwargs)
    if not form.is_valid():
        raise Invalid(_messages(form.errors))
    return form


def form_values(form_class, data: dict, token: str, values_method=None, **kwargs) -> dict:
    """The cleaned values of the page's form bound to `data`, or Invalid with its errors."""
    form = valid_form(form_class, data, token, **kwargs)
    return getattr(form, values_method)() if values_method else form.cleaned_data


def recorded(action, *args, **kwargs):
    """Run a page's action; a ValidationError from the model or the action becomes Invalid."""
    try:
        return action(*args, **kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise Invalid(_messages(exc.message_dict)) from None
        raise Invalid({"non_field": exc.messages}) from None
