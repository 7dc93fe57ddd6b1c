"""A patient or a clinician deletes their own account.

A patient's account goes with every row of their record (doses/backup.py's wipe, children
first, since the rows they recorded point at them through protected keys), every invitation
sent to their address, and their care team. Nothing about them is kept: the log says only that
"a patient account was deleted".

A clinician leaves every care team and their invitations go. If nothing in any patient's record
names them, their account row goes too. Otherwise (an injection they logged at the clinic, a
note, a regimen change, their views of a record in the patient's "who looked" list) those
entries belong to the patients' records and stay, under the clinician's name: the account is
then emptied instead: no email address, no password, switched off, so it can never sign in
again, and it is on no care team.

Either way the user's sessions end at once: every request reads the user afresh
(accounts/backends.py), and finds no account, or one that is switched off.
"""

import logging
import secrets

from django.db import transaction
from django.db.models import ProtectedError

from doses.backup import wipe_patient

from . import second_factor
from .models import CareTeamMembership, Invitation, RecordView, User

logger = logging.getLogger(__name__)


def delete_account(user) -> None:
    if user.is_patient:
        _delete_patient(user)
    elif user.is_clinician:
        _delete_clinician(user)
    else:
        raise ValueError("Only patients and clinicians delete their own accounts here")


def _delete_patient(patient) -> None:
    with transaction.atomic():
        User.objects.lock(patient.pk)
        Invitation.objects.filter(email__iexact=patient.email).delete()
        wipe_patient(patient)
    logger.info("A patient account was deleted, with its record")


def _delete_clinician(clinician) -> None:
    with transaction.atomic():
        User.objects.lock(clinician.pk)
        # One by one, so that each patient's record version and care-team audit see it.
        for membership in CareTeamMembership.objects.filter(clinician=clinician):
            membership.acted_by = clinician  # for the audit (sharing/audit.py)
            membership.delete()
        Invitation.objects.filter(clinician=clinician).delete()
        if not RecordView.objects.filter(viewer=clinician).exists():
            try:
                with transaction.atomic():
                    clinician.delete()
                logger.info("A clinician account was deleted")
                return
            except ProtectedError:
                pass  # named in patients' records: empty the account instead
        second_factor.remove(clinician)  # the app's key and the recovery codes go
        clinician.email = f"deleted-{clinician.pk}-{secrets.token_hex(8)}@deleted.invalid"
        clinician.set_unusable_password()
        clinician.is_active = False
        clinician.is_staff = False
        clinician.is_superuser = False
        clinician.save()
        clinician.groups.clear()
        clinician.user_permissions.clear()
    logger.info("A clinician account was emptied; patients' records keep the name in entries")
