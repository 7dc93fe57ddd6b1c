"""A carer's own pages: the switch between the people they care for, and what they see before
anyone has granted them access. The pages they see of each person (home, injections,
check-ins, history, labs, supplies) are the patient's own, reached through
access.acting_patient."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import CARING_FOR, cared_for
from .models import CareTeamMembership, User

# The pages about the person a carer records for, whoever it is now: they say whom.
PAGES_OF_THE_PERSON = {
    "home",
    "log_dose",
    "skip_dose",
    "checkin",
    "history",
    "labs",
    "supplies",
    "supply_new",
}


@dataclass
class Caring:
    """Whom a carer is recording for now, and whom else they may switch to."""

    current: User | None
    others: list


def caring(request) -> dict:
    """A context processor: `caring` on a carer's pages about the person they record for,
    read (one query) when the page shows whom, with the switch to the others."""
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated and user.is_carer):
        return {}
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in PAGES_OF_THE_PERSON:
        return {}

    def load():
        people = list(cared_for(user))
        chosen = request.session.get(CARING_FOR)
        current = next((p for p in people if p.pk == chosen), people[0] if people else None)
        return Caring(current, [p for p in people if p is not current])

    return {"caring": SimpleLazyObject(load)}


@login_required
@require_POST
def switch_person(request):
    """The carer now records for another of their people; back to that person's home."""
    try:
        patient = cared_for(request.user).get(pk=int(request.POST.get("patient", "")))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("Not one of your people") from None
    request.session[CARING_FOR] = patient.pk
    return redirect("home")


def carer_memberships(carer) -> list:
    """The carer's people (one query), for their account page's reminder choices."""
    return list(
        CareTeamMembership.objects.filter(
            clinician=carer, patient__is_active=True, patient__role=User.Role.PATIENT
        )
        .select_related("patient")
        .order_by("patient__name", "pk")
    )


@login_required
@require_POST
def carer_reminders(request):
    """The carer turns the copies of one person's reminder emails on or off."""
    if not request.user.is_carer:
        raise Http404("Only carers have this choice")
    try:
        membership = CareTeamMembership.objects.select_related("patient").get(
            clinician=request.user, patient_id=int(request.POST.get("patient", ""))
        )
    except (CareTeamMembership.DoesNotExist, ValueError, TypeError):
        raise Http404("Not one of your people") from None
    membership.carer_reminders = request.POST.get("copies") == "on"
    membership.save(update_fields=["carer_reminders"])
    names = {"name": membership.patient.name}
    if membership.carer_reminders:
        messages.success(request, _("You will get a copy of %(name)s's reminder emails.") % names)
    else:
        messages.success(request, _("No more copies of %(name)s's reminder emails.") % names)
    return redirect(reverse("account_settings") + "#carer-reminders")


def carer_welcome(request):
    """A carer nobody has granted access yet (config/views.py sends them here from `/`)."""
    return render(request, "accounts/carer_welcome.html")
