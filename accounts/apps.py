from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and care teams"

    def ready(self):
        # A new session is stamped as renewed when its user signs in (accounts/middleware.py);
        # the receiver must be connected before the first sign-in, not with the first request.
        from accounts import middleware  # noqa: F401
