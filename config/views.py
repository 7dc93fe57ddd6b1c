"""The site's front door: `/` shows each role its own home. It sits in config, above every
app, because it chooses between them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from clinic.views.clinician import triage
from home.views import patient_home


@login_required
def home(request):
    user = request.user
    if user.is_patient:
        return patient_home(request)
    if user.is_clinician:
        return triage(request)
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "accounts/no_role.html")
