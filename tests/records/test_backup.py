"""A patient's whole record exports to JSON and imports back without losing anything."""

import base64
import json
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import RecordView, User
from doses import actions
from doses.models import DoseLog
from labs import actions as lab_actions
from labs.models import LabResult
from records.backup import export_patient, import_patient, wipe_patient
from regimens import actions as regimen_actions
from reminders.feed import build_calendar
from supplies import actions as supplies
from supplies import forecast, labels
from supplies.models import LabelPhoto
from symptoms.models import SymptomEntry
from tests import factories
from tests.supplies import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_record(patient, clinician):
    """A record with a row in every table the export covers."""
    today = patient.today()
    regimen = regimen_actions.prescribe(
        patient, factories.template(), today - timedelta(days=20), clinician, reason="PA"
    )
    first = factories.give(regimen, today - timedelta(days=20), lot_number="A1")
    factories.give(regimen, today - timedelta(days=19))
    mistake = factories.give(regimen, today - timedelta(days=18))
    actions.correct_dose(first, patient, "wrong site", site="RD")
    actions.delete_dose(mistake, patient, "logged twice")
    actions.record_checkin(
        patient,
        patient,
        **dict.fromkeys(SymptomEntry.SYMPTOMS, 3),
        side_effects=["Headache"],
        note="Tired in the evening",
    )
    lab_actions.record_lab(
        patient,
        clinician,
        analyte="b12",
        value="148",
        unit="pmol/L",
        taken_on=today - timedelta(days=21),
    )
    actions.add_note(patient, clinician, "Technique reviewed.")
    factories.RecordViewFactory(patient=patient, viewer=clinician, what="record", path="/x/")
    regimen_actions.change_phase(regimen.current_phase, clinician, "slower", dose_mcg=500)
    box, _ = supplies.add_supply(
        patient,
        patient,
        medication="cyanocobalamin",
        concentration_mcg_per_ml=1000,
        container_ml=Decimal("30"),
        count=1,
        expires_on=today + timedelta(days=200),
        received_on=today - timedelta(days=20),
    )
    supplies.correct_supply(box, patient, "lot was missing", lot_number="V-9")
    old_photo = labels.attach_photo(box, patient, images.png())
    photo = labels.attach_photo(box, patient, images.webp())
    labels.give_verdict(photo, clinician, "mismatch", "Label says 100 mcg/mL")
    assert old_photo.pk < photo.pk
    factories.ReminderSettingsFactory(user=patient, lead_days=2, send_hour=7)
    factories.ReminderSentFactory(user=patient, kind="due_today", key=today.isoformat())
    feed = factories.CalendarFeedFactory(user=patient)
    build_calendar(feed.user, log_url="/injections/log/")  # remembers the dates it published
    return patient


def objects(export):
    return sorted(export["objects"], key=lambda row: (row["model"], row["pk"]))


def test_it_exports_wipes_imports_and_gets_back_everything(
    full_record, django_capture_on_commit_callbacks
):
    before = export_patient(full_record)
    models = {row["model"] for row in before["objects"]}
    assert models == {
        "accounts.user",
        "accounts.careteammembership",
        "regimens.regimen",
        "regimens.phase",
        "regimens.regimenchange",
        "doses.doselog",
        "doses.doselogversion",
        "symptoms.symptomentry",
        "labs.labresult",
        "doses.clinicalnote",
        "accounts.recordview",
        "supplies.supply",
        "supplies.supplyversion",
        "supplies.labelphoto",
        "reminders.remindersettings",
        "reminders.remindersent",
        "reminders.calendarfeed",
        "reminders.calendarentry",
    }

    files = [photo.image.name for photo in LabelPhoto.objects.all()]
    storage = LabelPhoto._meta.get_field("image").storage
    with django_capture_on_commit_callbacks(execute=True):
        wipe_patient(full_record)
    assert not User.objects.filter(pk=full_record.pk).exists()
    assert not DoseLog.objects.exists()
    assert len(files) == 2
    assert not any(storage.exists(name) for name in files)  # the photos went with the rows

    restored = import_patient(json.loads(json.dumps(before)))

    assert restored.pk == full_record.pk
    assert objects(export_patient(restored)) == objects(before)
    assert restored.check_password(factories.PASSWORD)
    lab = LabResult.objects.get()
    assert (str(lab.value), lab.unit, str(lab.value_canonical)) == ("148.000", "pmol/L", "200.540")
    photo = LabelPhoto.objects.get(replaced_at__isnull=True)
    assert (photo.verdict, photo.verdict_note) == ("mismatch", "Label says 100 mcg/mL")
    with photo.image.open("rb") as handle:
        assert handle.read().startswith(b"RIFF")


def test_an_export_made_before_supplies_labs_and_check_ins_had_apps_still_imports(
    full_record, django_capture_on_commit_callbacks
):
    before = export_patient(full_record)
    old_labels = {
        "supplies.supply": "doses.supply",
        "supplies.supplyversion": "doses.supplyversion",
        "labs.labresult": "doses.labresult",
        "symptoms.symptomentry": "doses.symptomentry",
        "labs.labresultversion": "doses.labresultversion",
    }
    older = {
        **before,
        "objects": [
            {**row, "model": old_labels.get(row["model"], row["model"])}
            for row in before["objects"]
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):  # the photos' files go too
        wipe_patient(full_record)

    restored = import_patient(json.loads(json.dumps(older)))

    assert objects(export_patient(restored)) == objects(before)
    box = forecast.outlook(restored, None).current[0].supply
    assert (box.lot_number, box.versions.count()) == ("V-9", 1)


def test_the_commands_write_and_read_the_same_export(
    full_record, tmp_path, django_capture_on_commit_callbacks
):
    out = StringIO()
    call_command("export_patient", full_record.email, stdout=out)
    path = tmp_path / "record.json"
    path.write_text(out.getvalue())
    before = json.loads(out.getvalue())
    with django_capture_on_commit_callbacks(execute=True):  # the photos' files go too
        wipe_patient(full_record)

    call_command("import_patient", str(path), stdout=StringIO())

    assert objects(export_patient(User.objects.get(email=full_record.email))) == objects(before)


def test_an_import_of_something_else_is_refused_and_changes_nothing(patient):
    with pytest.raises(ValueError, match="not a b12-log-patient/1 export"):
        import_patient({"format": "other", "objects": []})
    assert User.objects.filter(pk=patient.pk).exists()


def test_the_patient_downloads_their_record(client, full_record):
    client.force_login(full_record)
    response = client.get(reverse("export"))
    assert response["Content-Disposition"].startswith('attachment; filename="b12-record-')
    data = json.loads(response.content)
    assert objects(data) == objects(export_patient(full_record, for_the_patient=True))
    assert all(
        row["fields"].get("patient", full_record.pk) == full_record.pk
        for row in data["objects"]
        if row["model"] != "accounts.user"
    )


def test_the_patients_download_holds_no_credential_and_only_the_notes_shared_with_them(
    client, full_record, clinician
):
    factories.ClinicalNoteFactory(patient=full_record, author=clinician, text="Private: query MMA")
    factories.ClinicalNoteFactory(
        patient=full_record,
        author=clinician,
        text="Shared: keep the 4-weekly plan",
        shared_with_patient=True,
    )
    feed_token = factories.CalendarFeedFactory(user=full_record).token
    client.force_login(full_record)

    body = client.get(reverse("export")).content.decode()

    assert full_record.password not in body and '"password"' not in body
    assert feed_token not in body
    assert "Shared: keep the 4-weekly plan" in body
    assert "Private: query MMA" not in body
    # The operator's backup keeps them, so that a restore is exact.
    backup = json.dumps(export_patient(full_record))
    assert full_record.password in backup and "Private: query MMA" in backup


def test_times_keep_every_microsecond_through_a_round_trip(patient, clinician):
    # Django's JSON rounds to the millisecond: 12:00:00.000400 would come back as 12:00:00.
    at = patient.local_now().replace(microsecond=400)
    view = factories.RecordViewFactory(patient=patient, viewer=clinician, what="record", path="/x/")
    RecordView.objects.filter(pk=view.pk).update(at=at)
    data = json.loads(json.dumps(export_patient(patient)))
    wipe_patient(patient)

    import_patient(data)

    assert RecordView.objects.get(pk=view.pk).at == at


def test_a_label_photo_in_a_backup_must_be_a_clean_picture(full_record):
    before = export_patient(full_record)
    wipe_patient(full_record)
    for row in before["objects"]:
        if row["model"] == "supplies.labelphoto":
            row["content_base64"] = base64.b64encode(images.polyglot().read()).decode()
            row["fields"]["image"] = "../../settings.py"

    with pytest.raises(ValueError, match="holds more than a picture, so it is not kept"):
        import_patient(json.loads(json.dumps(before)))

    assert not User.objects.filter(pk=full_record.pk).exists()


def test_a_restored_photo_gets_a_name_of_its_own(full_record):
    before = export_patient(full_record)
    wipe_patient(full_record)  # its files stay until a commit that never comes in a test
    for row in before["objects"]:
        if row["model"] == "supplies.labelphoto":
            row["fields"]["image"] = "../../settings.py"

    import_patient(json.loads(json.dumps(before)))

    names = [photo.image.name for photo in LabelPhoto.objects.all()]
    assert len(names) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(png|webp)", name) for name in names)
