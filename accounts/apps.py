from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and care teams")

    def ready(self):
        # A new session is stamped as renewed when its user signs in (accounts/middleware.py);
        # the receiver must be connected before the first sign-in, not with the first request.
        from accounts import middleware  # noqa: F401
