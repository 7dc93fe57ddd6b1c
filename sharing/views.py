"""The patient's care-team page (share codes, requests, removing a clinician) and the
clinician's page for entering a share code. Views are short: the changes are in actions.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import view_names
from accounts.access import require_patient, require_team_member
from accounts.models import CareTeamMembership, RecordView

from . import actions, codes
from .audit import events_for
from .forms import EnterCodeForm
from .models import ShareCode

# A new code is shown once, on the page the patient lands on after creating it. It travels
# there in a short-lived signed cookie on the patient's own browser, deleted as it is shown,
# so that the server stores it nowhere but as its hash.
NEW_CODE_COOKIE = "new_share_code"
NEW_CODE_SALT = "sharing.new-code"
NEW_CODE_SECONDS = 10 * 60


def _new_code(request, live):
    """The code just created, if this browser carries it and it is still live."""
    try:
        value = request.get_signed_cookie(
            NEW_CODE_COOKIE, salt=NEW_CODE_SALT, max_age=NEW_CODE_SECONDS
        )
        pk, code = value.split(":", 1)
    except (KeyError, ValueError, signing.BadSignature):
        return None
    row = next((row for row in live if str(row.pk) == pk), None)
    return (row, codes.grouped(code)) if row else None


@login_required
@require_GET
def care_team(request):
    """Queries: the session, the user, the care team, the open codes and requests."""
    patient = require_patient(request.user)
    now = timezone.now()
    members = (
        CareTeamMembership.objects.filter(patient=patient)
        .select_related("clinician")
        .order_by("created_at", "pk")
    )
    open_codes = list(
        ShareCode.objects.filter(
            patient=patient, status__in=[ShareCode.Status.LIVE, ShareCode.Status.PENDING]
        )
        .select_related("clinician")
        .order_by("created_at", "pk")
    )
    live = [code for code in open_codes if code.is_live(now)]
    pending = [code for code in open_codes if code.status == ShareCode.Status.PENDING]
    response = render(
        request,
        "sharing/care_team.html",
        {
            "members": members,
            "live": live,
            "pending": [code for code in pending if not code.request_expired(now)],
            "expired": [code for code in pending if code.request_expired(now)],
            "new_code": _new_code(request, live),
            "max_live": actions.MAX_LIVE,
            "can_create": len(live) < actions.MAX_LIVE,
        },
    )
    if NEW_CODE_COOKIE in request.COOKIES:
        response.delete_cookie(NEW_CODE_COOKIE, path=reverse("care_team"), samesite="Strict")
    return response


@login_required
@require_POST
def share_code_new(request):
    patient = require_patient(request.user)
    try:
        row, code = actions.create_code(patient)
    except actions.TooManyCodes:
        messages.error(
            request,
            _(
                "You already have %(count)s codes waiting to be used. Cancel one before "
                "creating another."
            )
            % {"count": actions.MAX_LIVE},
        )
        return redirect("care_team")
    response = redirect("care_team")
    response.set_signed_cookie(
        NEW_CODE_COOKIE,
        f"{row.pk}:{code}",
        salt=NEW_CODE_SALT,
        max_age=NEW_CODE_SECONDS,
        path=reverse("care_team"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


@login_required
@require_POST
def share_code_cancel(request, pk):
    actions.cancel_code(require_patient(request.user), pk)
    messages.success(request, _("The code is cancelled: it no longer works."))
    return redirect("care_team")


@login_required
@require_POST
def share_request_approve(request, pk):
    try:
        code, membership = actions.approve(require_patient(request.user), pk)
    except actions.RequestExpired as expired:
        messages.error(
            request,
            _(
                "The request from %(name)s expired on %(day)s and can no longer be approved. "
                "To share your record, give them a new share code."
            )
            % {
                "name": expired.code.clinician.name,
                "day": date_format(timezone.localtime(expired.code.request_expires_at), "j F Y"),
            },
        )
        return redirect("care_team")
    names = {"name": code.clinician.name, "email": code.clinician.email}
    if membership is None:
        messages.info(
            request,
            _("%(name)s (%(email)s) is already on your care team: nothing changed.") % names,
        )
    elif code.clinician.is_carer:
        messages.success(
            request,
            _(
                "%(name)s (%(email)s) is now your carer: they can log your injections and "
                "check-ins, and see your home."
            )
            % names,
        )
    elif code.clinician.is_pharmacist:
        messages.success(
            request,
            _(
                "%(name)s (%(email)s) is now your pharmacist: they can see your plan, supplies, "
                "vial labels and injections."
            )
            % names,
        )
    else:
        messages.success(request, _("%(name)s (%(email)s) can now see your record.") % names)
    return redirect("care_team")


@login_required
@require_POST
def share_request_decline(request, pk):
    code = actions.decline(require_patient(request.user), pk)
    if code.status == ShareCode.Status.EXPIRED:
        text = _("The expired request of %(name)s is removed. They cannot see your record.")
    else:
        text = _("You declined the request of %(name)s. They cannot see your record.")
    messages.success(request, text % {"name": code.clinician.name})
    return redirect("care_team")


@login_required
def care_team_remove(request, pk):
    """A confirmation page, then the removal (POST)."""
    patient = require_patient(request.user)
    if request.method == "POST":
        membership = actions.remove(patient, pk)
        messages.success(
            request,
            # Said of every member, whatever they could see: now nothing.
            _("%(name)s can no longer see your record.") % {"name": membership.clinician.name},
        )
        return redirect("care_team")
    membership = actions.membership_or_404(patient, pk)
    return render(request, "sharing/remove.html", {"membership": membership})


# The clinician -------------------------------------------------------------------------------


@login_required
def share_code_enter(request):
    clinician = require_team_member(request.user)
    form = EnterCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = actions.enter_code(clinician, form.cleaned_data["code"])
        if entry.outcome == actions.THROTTLED:
            form.add_error(
                "code",
                _(
                    "Too many codes that did not work in the last hour. To keep records safe "
                    "from guessing, try again after %(time)s."
                )
                % {"time": dateformat.format(timezone.localtime(entry.retry_at), "H:i")},
            )
        elif entry.outcome == actions.NOT_VALID:
            form.add_error(
                "code",
                _(
                    "This code does not work. It may be mistyped, used already, cancelled or "
                    "more than 24 hours old: check it with the patient, or ask them for a new one."
                ),
            )
        else:
            messages.success(request, _entry_message(entry, clinician))
            return redirect("share_code_enter")
    return render(request, "sharing/enter_code.html", {"form": form})


def _entry_message(entry, member) -> str:
    name = {"name": entry.code.patient.name}
    if entry.outcome == actions.ALREADY_ON_TEAM:
        if member.is_carer:
            return _("You already give %(name)s their injections: the code was not needed.") % name
        return _("%(name)s is already on your patient list: the code was not needed.") % name
    if entry.outcome == actions.ALREADY_REQUESTED:
        return _("Your request to %(name)s is already waiting for their approval.") % name
    if member.is_carer:
        return (
            _(
                "Request sent. %(name)s must approve it on their care-team page; you can then "
                "log their injections and see their home."
            )
            % name
        )
    if member.is_pharmacist:
        return (
            _(
                "Request sent. %(name)s must approve it on their care-team page before you can "
                "see their plan and supplies; they then appear on your patient list."
            )
            % name
        )
    return (
        _(
            "Request sent. %(name)s must approve it on their care-team page before you can "
            "see their record; they then appear on your patient list."
        )
        % name
    )


@login_required
def record_views(request):
    """The patient sees who looked at their record, and when, with the care team's comings
    and goings (sharing/audit.py)."""
    patient = require_patient(request.user)
    views = RecordView.objects.filter(patient=patient).select_related("viewer")
    page = Paginator(views, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for view in page.object_list:  # stored in English, read in the patient's language
        view.what_worded = view_names.worded(view.what)
    return render(
        request,
        "accounts/record_views.html",
        {"page": page, "care_team_events": events_for(patient)},
    )
