"""Account settings: the user's API tokens, made, named, scoped and revoked (api/tokens.py).
A new token is shown once, on the page that made it: only its hash is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import auth, tokens
from .forms import TokenForm

# More than enough for one person's apps; a limit so that the list stays a list.
MAX_LIVE_TOKENS = 20


@login_required
def api_tokens(request):
    form = TokenForm(request.POST or None)
    new_token = None
    live = request.user.api_tokens.filter(revoked_at__isnull=True)
    if request.method == "POST" and form.is_valid():
        if live.count() >= MAX_LIVE_TOKENS:
            form.add_error(
                None,
                _("You have %(n)s tokens: revoke one you no longer use first.")
                % {"n": MAX_LIVE_TOKENS},
            )
        else:
            try:
                row, new_token = tokens.create(
                    request.user, form.cleaned_data["name"], form.cleaned_data["scope"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": request.user.api_tokens.all(),
            "rate": auth.RATE_PER_MINUTE,
        },
    )


@login_required
@require_POST
def revoke_api_token(request, pk):
    if not tokens.revoke(request.user, pk):
        raise Http404("No such token")
    messages.success(request, _("Token revoked: it no longer works."))
    return redirect("api_tokens")
