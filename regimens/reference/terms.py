"""The words of clinical.json that pages show (routes, injection sites, symptoms, side effects,
the urgent warnings and the lab tests), marked so that `makemessages` puts them in the
catalogues: the data stays in English, the pages show it in the reader's language. A test
(tests/regimens/test_reference_terms.py) fails when clinical.json has a name missing here."""

from django.utils.translation import gettext_noop

TERMS = (
    gettext_noop("Intramuscular"),
    gettext_noop("Subcutaneous (deep)"),
    gettext_noop("Left deltoid"),
    gettext_noop("Right deltoid"),
    gettext_noop("Left thigh (vastus lateralis)"),
    gettext_noop("Right thigh (vastus lateralis)"),
    gettext_noop("Left hip (ventrogluteal)"),
    gettext_noop("Right hip (ventrogluteal)"),
    gettext_noop("Abdomen, left side"),
    gettext_noop("Abdomen, right side"),
    gettext_noop("Left outer thigh"),
    gettext_noop("Right outer thigh"),
    gettext_noop("Left upper arm (back)"),
    gettext_noop("Right upper arm (back)"),
    gettext_noop("Tiredness / fatigue"),
    gettext_noop("Pins and needles / tingling"),
    gettext_noop("Numbness"),
    gettext_noop("Balance problems / unsteadiness"),
    gettext_noop("Memory or concentration (brain fog)"),
    gettext_noop("Low mood or irritability"),
    gettext_noop("Pain, redness or swelling where injected"),
    gettext_noop("Itching or rash"),
    gettext_noop("Headache"),
    gettext_noop("Nausea"),
    gettext_noop("Diarrhoea"),
    gettext_noop("Dizziness"),
    gettext_noop("Hot flush"),
    gettext_noop(
        "Signs of a severe allergic reaction: hives, trouble breathing, swelling of the face,"
        " lips, tongue or throat. Call emergency services now."
    ),
    gettext_noop(
        "Palpitations or an irregular heartbeat, muscle weakness or cramps early in "
        "treatment, breathlessness when lying down, sudden loss of vision, or new or "
        "worsening numbness, weakness or balance problems: contact your clinician today."
    ),
    gettext_noop(
        "The app never tells a patient to change a dose or interval: the prescriber sets them."
    ),
    gettext_noop("Serum vitamin B12 (cobalamin)"),
    gettext_noop("Active B12 (holotranscobalamin)"),
    gettext_noop("Methylmalonic acid (MMA)"),
    gettext_noop("Homocysteine"),
    gettext_noop("Hemoglobin"),
    gettext_noop("Mean cell volume (MCV)"),
    gettext_noop("Serum folate"),
)
