"""Spanish is shipped complete: the catalogue translates every message the English one holds
(none empty, none fuzzy, every placeholder kept), clinical terms carry a note of their source,
and a Spanish reader's pages, emails, notifications and report are in Spanish, with dates and
numbers written the Spanish way. The language is chosen at sign-in or on My account."""

import shutil
import subprocess
import tempfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from regimens.reference.terms import TERMS
from tests import factories
from tests.clock import frozen
from tests.pages import soup, texts
from tests.test_translations import read_mo

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
ENGLISH = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
SPANISH = LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"
MADRID = ZoneInfo("Europe/Madrid")
TODAY = date(2026, 11, 24)  # a Tuesday


def entries(path: Path) -> dict[tuple[str, str], polib.POEntry]:
    return {
        (entry.msgctxt or "", entry.msgid): entry
        for entry in polib.pofile(str(path))
        if not entry.obsolete
    }


def test_the_spanish_catalogue_holds_every_message_of_the_english_one():
    missing = set(entries(ENGLISH)) - set(entries(SPANISH))
    assert not missing, "Run `manage.py makemessages -l es`; missing: " + "; ".join(
        repr(msgid) for _, msgid in sorted(missing)
    )


def test_no_spanish_message_is_untranslated_or_fuzzy():
    catalogue = polib.pofile(str(SPANISH))
    untranslated = [e.msgid for e in catalogue.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries() if not e.obsolete]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy (check and clear the flag): {fuzzy[:20]}"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert not catalogue.metadata_is_fuzzy  # a fuzzy header loses the plural forms


def test_the_spanish_placeholders_match_and_the_compiled_file_is_current():
    """msgfmt --check-format fails on a translation that drops or renames a %(name)s; the
    shipped .mo is what the .po compiles to."""
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "django.mo"
        checked = subprocess.run(  # noqa: S603 (fixed arguments: the project's own file)
            [msgfmt, "--check-format", "-o", str(fresh), str(SPANISH)],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stderr
        assert read_mo(SPANISH.with_suffix(".mo")) == read_mo(fresh), "Run compilemessages"


def test_clinical_terms_carry_a_note_of_the_established_spanish_term():
    catalogue = entries(SPANISH)
    clinical = [term for term in TERMS if not term.startswith("The app never")]
    clinical += ["Cyanocobalamin", "Hydroxocobalamin", "Intramuscular"]
    without = [term for term in clinical if not catalogue[("", term)].tcomment]
    assert without == []
    assert "SEQC" in catalogue[("", "Methylmalonic acid (MMA)")].tcomment
    assert catalogue[("", "Methylmalonic acid (MMA)")].msgstr == "Ácido metilmalónico (AMM)"
    assert catalogue[("", "Cyanocobalamin")].msgstr == "Cianocobalamina"


@pytest.fixture
def spanish_patient(db):
    patient = factories.PatientFactory(
        name="Lucía Martín", email="lucia@example.org", language="es", time_zone="Europe/Madrid"
    )
    regimen = factories.regimen_for(patient, TODAY - timedelta(days=3))
    with frozen(datetime.combine(TODAY, time(9), tzinfo=MADRID)):
        factories.give(regimen, TODAY - timedelta(days=3))
    factories.LabResultFactory(
        patient=patient,
        analyte="hemoglobin",
        value=Decimal("13.5"),
        unit="g/dL",
        taken_on=date(2026, 11, 2),
    )
    return patient


def at_noon():
    return frozen(datetime.combine(TODAY, time(12), tzinfo=MADRID))


def test_a_spanish_readers_home_and_log_form_are_in_spanish(client, spanish_patient):
    client.force_login(spanish_patient)
    with at_noon():
        home = client.get(reverse("home"))
        log = client.get(reverse("log_dose"))
    assert '<html lang="es">' in home.content.decode()
    assert "Próxima inyección" in soup(home).text
    assert texts(log, "h1") == ["Registrar inyección"]
    assert "Guardar inyección" in texts(log, "button")
    assert "Deltoides izquierdo" in soup(log).text  # the sites, from clinical.json


def test_dates_and_numbers_are_written_the_spanish_way(client, spanish_patient):
    client.force_login(spanish_patient)
    with at_noon():
        page = soup(client.get(reverse("labs"))).text
    assert "13,5" in page and "13.5" not in page  # a decimal comma
    assert "Hemoglobina" in page
    assert "nov" in page.lower()  # the month's Spanish name (noviembre / nov.)


def test_the_reminder_email_is_in_spanish(spanish_patient):
    from tests.reminders.test_send_reminders import run

    mail.outbox.clear()
    factories.ReminderSettingsFactory(user=spanish_patient)
    due = spanish_patient.regimens.get().next_due
    run(datetime.combine(due, time(12), tzinfo=MADRID))
    subjects = [m.subject for m in mail.outbox]
    assert subjects and all(s.startswith("Inyección de B12 prevista") for s in subjects), subjects


@pytest.mark.django_db
def test_a_language_chosen_at_sign_in_shows_the_page_in_it_and_becomes_the_accounts(client):
    person = factories.PatientFactory(email="ana@example.org", language="")
    page = client.get(reverse("login"))
    assert "Change language" in texts(page, "button")

    client.post(reverse("choose_language"), {"language": "es", "next": reverse("login")})
    page = client.get(reverse("login"))
    assert texts(page, "h1") == ["Iniciar sesión"]

    client.post(reverse("login"), {"username": "ana@example.org", "password": factories.PASSWORD})
    person.refresh_from_db()
    assert person.language == "es"  # so the emails sent to her are in Spanish too


@pytest.mark.django_db
def test_a_language_the_site_does_not_ship_changes_nothing(client):
    client.post(reverse("choose_language"), {"language": "xx", "next": reverse("login")})
    assert texts(client.get(reverse("login")), "h1") == ["Sign in"]


def test_the_clinicians_printable_report_is_in_spanish_for_a_spanish_clinician(
    client, spanish_patient
):
    clinician = factories.ClinicianFactory(language="es")
    factories.CareTeamFactory(clinician=clinician, patient=spanish_patient)
    client.force_login(clinician)
    with at_noon():
        page = client.get(reverse("patient_report", args=[spanish_patient.pk]))
    assert '<html lang="es">' in page.content.decode()
    assert "Hemoglobina" in soup(page).text


def test_every_name_a_look_is_logged_under_is_marked_and_read_in_spanish():
    """Each literal given to log_view in the code is in accounts/view_names.py, and the
    patient's list words what was looked at in their language."""
    import re

    from django.utils import translation

    from accounts.view_names import NAMES, worded

    literals = set()
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        literals |= set(re.findall(r'log_view\([^,]+, [^,]+, "([^"]+)"\)', path.read_text()))
    assert literals and literals - set(NAMES) == set()
    with translation.override("es"):
        assert worded("record") != "record"
        assert worded("CSV export of injections").startswith("Exportación CSV")
        assert worded("admin list of doses") == "admin list of doses"
