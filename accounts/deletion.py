"""The account side of deleting one's own account; the action and its page are
records/deletion.py and records/views.py, which hold what a patient's record is made of. Nothing
here imports from the apps above (accounts is the bottom layer).

For a patient, the account side is the invitations sent to their address
(`forget_invitations_to`); their account row and care team go with the record's wipe.

A clinician (and a pharmacist or a carer, who leave the same way) leaves every care team
and their invitations go. If nothing in any patient's record names them, their account row
goes too. Otherwise (an injection they logged at the clinic, a note, a regimen change, their
views of a record in the patient's "who looked" list) those entries belong to the patients'
records and stay, under the clinician's name: the account is then emptied instead: no email
address, no password, switched off, so it can never sign in again, and it is on no care team.
"""

import logging
import secrets

from django.db import transaction
from django.db.models import ProtectedError

from . import second_factor
from .models import CareTeamMembership, Invitation, RecordView, User

logger = logging.getLogger(__name__)


def forget_invitations_to(patient) -> None:
    """The invitations sent to a patient's address: a patient deleting their account keeps
    nothing of it. Call inside the deletion's transaction, with the patient's row locked."""
    Invitation.objects.filter(email__iexact=patient.email).delete()


def delete_clinician(clinician) -> None:
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
