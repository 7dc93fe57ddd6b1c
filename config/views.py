"""The site's front door: `/` shows each role its own home. It sits in config, above every
app, because it chooses between them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.access import cared_for
from accounts.carer_views import carer_welcome
from accounts.offline import offline_copy
from clinic.views.clinician import triage
from clinic.views.pharmacy import pharmacy_home
from home.views import patient_home


@login_required
@offline_copy  # the patient's home only: mark_offline_copy checks the role
def home(request):
    user = request.user
    if user.is_patient:
        return patient_home(request)
    if user.is_clinician:
        return triage(request)
    if user.is_carer:  # the home of the person they record for, once someone grants access
        return patient_home(request) if cared_for(user).exists() else carer_welcome(request)
    if user.is_pharmacist:
        return pharmacy_home(request)
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "accounts/no_role.html")
