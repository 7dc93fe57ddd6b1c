"""The names clinical.json gives pages (routes, sites, symptoms, side effects, warnings, lab
tests) are in the catalogues and come out in the reader's language."""

import pytest
from django.utils import translation

from regimens import reference
from regimens.reference.terms import TERMS


def shown_names() -> set[str]:
    data = reference.clinical()
    return {
        *(info["name"] for info in data["routes"].values()),
        *(site["name"] for site in data["sites"]),
        *(item["name"] for item in data["symptoms"]),
        *data["side_effects"],
        *data["urgent"].values(),
        *(item["name"] for item in data["labs"]),
    }


def test_every_name_a_page_shows_is_marked_for_the_catalogues():
    assert shown_names() - set(TERMS) == set()


@pytest.mark.parametrize(
    ("read", "english", "spanish"),
    [
        (lambda: reference.site_name("LD"), "Left deltoid", "Deltoides izquierdo"),
        (lambda: dict(reference.route_choices())["IM"], "Intramuscular", "Intramuscular"),
        (lambda: reference.symptoms()[1]["name"], "Pins and needles / tingling", "Hormigueo"),
        (lambda: reference.lab("mma")["name"], "Methylmalonic acid (MMA)", "Ácido metilmalónico"),
        (lambda: reference.side_effect_name("Headache"), "Headache", "Dolor de cabeza"),
    ],
)
def test_names_follow_the_readers_language(read, english, spanish):
    with translation.override("en"):
        assert str(read()) == english
    with translation.override("es"):
        assert str(read()).startswith(spanish)


def test_stored_side_effects_stay_in_english_whatever_the_language():
    with translation.override("es"):
        assert "Headache" in reference.side_effects()
