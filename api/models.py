"""A person's API tokens: each named, with a scope, revocable. Only a hash of the token is
stored (api/tokens.py makes one and shows it once); a revoked token is kept, marked, so that
the list says when it stopped working."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.dates import BoundedDates
from accounts.models import OneLineName


class ApiToken(OneLineName, BoundedDates, models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices)
    # SHA-256 of the token, hex: the token itself is random (256 bits), so no salt or slow
    # hash is needed, and a lookup by hash is one indexed query per request.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)  # shown in the list to tell apart
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.user})"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
