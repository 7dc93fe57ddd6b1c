from django.urls import path

from . import token_views
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/api-tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "accounts/api-tokens/<int:pk>/revoke/",
        token_views.revoke_api_token,
        name="revoke_api_token",
    ),
]
