"""A patient or a clinician deletes their own account (the page is records/views.py).

A patient's account goes with every row of their record (records/backup.py's wipe, children
first, since the rows they recorded point at them through protected keys), every invitation
sent to their address, and their care team. Nothing about them is kept: the log says only that
"a patient account was deleted".

A clinician's deletion touches only accounts' tables and lives there
(accounts/deletion.py's delete_clinician): patients' records keep the entries that name them.

Why the action is here and not in accounts: accounts is the bottom layer and must not know the
record's tables (doses, regimens, reminders), while deleting a patient needs both. So, as for
every change that spans apps, the higher app holds the one function that calls down: it takes
the account-side steps from accounts/deletion.py and the record's wipe from records/backup.py,
in one transaction. A hook registered by records in accounts would hide that call; this keeps
it in plain sight.

Either way the user's sessions end at once: every request reads the user afresh
(accounts/backends.py), and finds no account, or one that is switched off.
"""

import logging

from django.db import transaction

from accounts import deletion
from accounts.models import User

from .backup import wipe_patient

logger = logging.getLogger(__name__)


def delete_account(user) -> None:
    if user.is_patient:
        delete_patient(user)
    elif user.joins_care_teams:  # clinicians, pharmacists and carers leave the same way
        deletion.delete_clinician(user)
    else:
        raise ValueError("Only patients and care-team members delete their own accounts here")


def delete_patient(patient) -> None:
    with transaction.atomic():
        User.objects.lock(patient.pk)
        deletion.forget_invitations_to(patient)
        wipe_patient(patient)  # the account row too, after the rows that point at it
    logger.info("A patient account was deleted, with its record")
