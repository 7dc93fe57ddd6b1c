"""Changing and resetting a password: Django's views, under the app's throttles."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect

from . import signup
from .forms import PasswordChangeForm
from .signup_views import throttled
from .throttle import client_ip


class PasswordChangeView(auth_views.PasswordChangeView):
    """The old password is checked under the sign-in throttle (accounts.throttle)."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(auth_views.PasswordResetView):
    """Reset emails are counted with the sign-up emails: a client past its hourly limit gets the
    "too many requests" page, and an address that was sent its share of emails this hour gets
    no more, though the page says the same as ever (nobody learns whether it has an account)."""

    def form_valid(self, form):
        accepted, may_email = signup.allowed(client_ip(self.request), form.cleaned_data["email"])
        if not accepted:
            return throttled(self.request)
        if not may_email:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
