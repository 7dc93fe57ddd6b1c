"""Clinicians and pharmacists invite patients by email; the patient opens the link
(accounts/invitations.py)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import invitations
from .forms import AcceptInvitationForm, InviteForm, time_zone_names
from .models import Invitation
from .signup_views import BACKEND


def require_inviter(user):
    """A signed-in clinician or pharmacist: those who invite patients (a carer is granted
    access with the patient's share code instead)."""
    if not (user.is_authenticated and (user.is_clinician or user.is_pharmacist)):
        raise Http404("Only clinicians and pharmacists invite patients")
    return user


def invitation_or_404(user, pk) -> Invitation:
    """One of the signed-in clinician's or pharmacist's own invitations."""
    try:
        return Invitation.objects.get(pk=pk, clinician=require_inviter(user))
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation") from None


@login_required
@require_http_methods(["GET", "POST"])
def invite_patient(request):
    """The form, and the clinician's (or pharmacist's) invitations, newest first (queries: the
    session, the user, the form's check on a POST, the count and one page)."""
    clinician = require_inviter(request.user)
    form = InviteForm(request.POST if request.method == "POST" else None, clinician=clinician)
    if form.is_bound and form.is_valid():
        invitation = invitations.invite(clinician, **form.cleaned_data)
        messages.success(
            request,
            _(
                "Invitation sent to %(email)s. The link works once, for %(days)s days; "
                "they show here as accepted once they have used it."
            )
            % {"email": invitation.email, "days": invitations.INVITATION_DAYS},
        )
        return redirect("invite_patient")
    sent = Invitation.objects.filter(clinician=clinician).select_related("accepted_by")
    page = Paginator(sent, 25).get_page(request.GET.get("page"))
    now = timezone.now()
    # Each row says which state it is in, so the template only shows it.
    rows = [(invitation, {invitation.status(now): True}) for invitation in page.object_list]
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "page": page, "rows": rows, "days": invitations.INVITATION_DAYS},
    )


@login_required
@require_POST
def cancel_invitation(request, pk):
    invitation = invitation_or_404(request.user, pk)
    if invitations.cancel(invitation):
        messages.success(
            request,
            _("Invitation to %(email)s cancelled: its link no longer works.")
            % {"email": invitation.email},
        )
    else:
        messages.error(
            request,
            _("The invitation to %(email)s was no longer waiting, so there was nothing to cancel.")
            % {"email": invitation.email},
        )
    return redirect("invite_patient")


def _why_unusable(reason: str) -> str:
    """The sentence the page says for each way an invitation cannot be used."""
    if reason == "expired":
        return _("This invitation has expired.")
    if reason in ("used", "accepted"):
        return _("This invitation has already been used.")
    if reason == "cancelled":
        return _("This invitation was cancelled.")
    if reason == "account":
        return _(
            "This invitation is for a patient's account, and cannot be used with the account "
            "of this address."
        )
    return _("This invitation link is not valid: check that it was copied whole.")


def _unusable(request, invitation, reason: str):
    return render(
        request,
        "accounts/invitation_unusable.html",
        {
            "invitation": invitation,
            "why": _why_unusable(reason),
            # Naming the inviting clinician helps, unless the address belongs to someone else.
            "name_clinician": invitation is not None and reason != "account",
        },
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The link in the invitation email. Every way it cannot be used gets a page that says why
    and what to do; none says whether the address has an account."""
    found = invitations.find(token)
    if found is None:
        return _unusable(request, None, "unknown")
    status = found.status()
    if (
        status == "accepted"
        and request.user.is_authenticated
        and (request.user.pk == found.accepted_by_id)
    ):
        return redirect("home")  # opened again by the patient who accepted it
    if status != "pending" or not found.clinician.is_active:
        return _unusable(request, found, status if status != "pending" else "cancelled")
    account = invitations.account_for(found)
    kind = invitations.kind_of(account)
    if kind == invitations.UNUSABLE:
        return _unusable(request, found, "account")
    if kind == invitations.EXISTING:
        return _accept_existing(request, found, account)
    return _accept_new(request, found)


def _welcome(inviter) -> str:
    if inviter.is_pharmacist:
        return _(
            "Welcome. %(pharmacist)s, your pharmacist, is on your care team and can see your "
            "plan, supplies, vial labels and injections."
        ) % {"pharmacist": inviter.name}
    return _("Welcome. %(clinician)s is on your care team and can see your record.") % {
        "clinician": inviter.name
    }


def _joined(inviter) -> str:
    if inviter.is_pharmacist:
        return _(
            "%(pharmacist)s, your pharmacist, is now on your care team and can see your plan, "
            "supplies, vial labels and injections."
        ) % {"pharmacist": inviter.name}
    return _("%(clinician)s is now on your care team and can see your record.") % {
        "clinician": inviter.name
    }


def _accept_new(request, found):
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None,
        email=found.email,
        initial={"name": found.name},
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            patient = invitations.accept_as_new(
                found, name=data["name"], password=data["password1"], time_zone=data["time_zone"]
            )
        except invitations.NotPending:
            return _unusable(request, found, "used")
        login(request, patient, backend=BACKEND)
        messages.success(request, _welcome(found.clinician))
        return redirect("home")
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": found, "form": form, "time_zones": time_zone_names()},
    )


def _accept_existing(request, found, account):
    user = request.user
    signed_in_as_them = user.is_authenticated and user.pk == account.pk
    if request.method == "POST" and signed_in_as_them:
        try:
            invitations.accept_as_patient(found, user)
        except invitations.NotPending:
            return _unusable(request, found, "used")
        messages.success(request, _joined(found.clinician))
        return redirect("home")
    login_url = f"{reverse('login')}?next={request.path}"
    return render(
        request,
        "accounts/invitation_existing.html",
        {
            "invitation": found,
            "signed_in_as_them": signed_in_as_them,
            "signed_in_as_other": user.is_authenticated and not signed_in_as_them,
            "login_url": login_url,
        },
    )
