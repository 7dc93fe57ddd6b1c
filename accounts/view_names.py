"""What a look at a record is logged as (RecordView.what, written by access.log_view) is kept
in English, so the log reads the same whatever language the viewer used; the patient reads it
in theirs. Each fixed name is marked here for the catalogues (a test finds every literal given
to log_view in the code and fails when one is missing); the composed ones ("CSV export of
injections", "API: injections") are worded from their parts. An admin's look stays as written."""

from django.utils.translation import gettext, gettext_noop

NAMES = (
    gettext_noop("record"),
    gettext_noop("charts"),
    gettext_noop("printable report"),
    gettext_noop("clinic injection form"),
    gettext_noop("an injection"),
    gettext_noop("a check-in"),
    gettext_noop("a lab result"),
    gettext_noop("a lab result's correction form"),
    gettext_noop("lab entry form"),
    gettext_noop("lab review form"),
    gettext_noop("prescribing form"),
    gettext_noop("phase change form"),
    gettext_noop("FHIR export"),
    gettext_noop("CSV download page"),
    gettext_noop("vial labels"),
    gettext_noop("vial label photo"),
    # A carer's looks at the pages of the person they care for.
    gettext_noop("home"),
    gettext_noop("history"),
    gettext_noop("pharmacy page"),  # a pharmacist's page of the patient (clinic/views/pharmacy.py)
    # The parts of composed names: CSV exports and the API's reads.
    gettext_noop("injections"),
    gettext_noop("check-ins"),
    gettext_noop("labs"),
    gettext_noop("check-in"),
    gettext_noop("injection form"),
    gettext_noop("lab results"),
    gettext_noop("regimen"),
    gettext_noop("skip"),
    gettext_noop("supplies"),
)
CSV_PREFIX = "CSV export of "
API_PREFIX = "API: "


def worded(stored: str) -> str:
    """A logged look, in the active language."""
    if stored.startswith(CSV_PREFIX):
        part = stored.removeprefix(CSV_PREFIX)
        return gettext("CSV export of %(what)s") % {"what": gettext(part)}
    if stored.startswith(API_PREFIX):
        return gettext("API: %(what)s") % {"what": gettext(stored.removeprefix(API_PREFIX))}
    if stored in NAMES:
        return gettext(stored)
    return stored
