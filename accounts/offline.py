"""The pages a patient may keep on their device for use offline: the home, the injection form
and the check-in form. The service worker (templates/reminders/sw.js) keeps the last good copy
only of a response that carries OFFLINE_HEADER, which these views add for a signed-in patient;
no other page (a clinician's triage list, say) is ever stored on the device."""

from functools import wraps

OFFLINE_HEADER = "X-Offline-Copy"
ALLOWED = "allowed"


def mark_offline_copy(request, response):
    """Allow the device to keep this response: a patient's page, answered in full to a GET."""
    user = getattr(request, "user", None)
    if (
        request.method == "GET"
        and response.status_code == 200
        and user is not None
        and user.is_authenticated
        and user.is_patient
    ):
        response[OFFLINE_HEADER] = ALLOWED
    return response


def offline_copy(view):
    """A view whose page a patient may keep for use offline (see mark_offline_copy)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return mark_offline_copy(request, view(request, *args, **kwargs))

    return wrapper
