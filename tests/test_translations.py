"""Every user-facing string goes through gettext, and English is shipped as a catalogue.

Four things are checked: no template shows words that are not marked for translation (read
with Django's own template lexer); the Python code's labels (form fields, model fields and their
choices, the apps' names) are lazy translatable strings; the shipped catalogue
(locale/en/LC_MESSAGES/django.po and its compiled .mo) holds every message the sources mark;
and the marking is real: the English pages read as before, and a sentence replaced in a
catalogue is what a page then shows.
"""

import importlib
import re
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import polib
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.db import models
from django.template.base import Lexer, TokenType
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from supplies.wording import day_text
from tests import factories
from tests.pages import form_values, soup, texts

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"

# Words a template may show without marking, and why. Keep this short.
ALLOWED_WORDS = {
    "B12 log": "the product's name, the same in every language",
    "mcg/mL": "a unit symbol (micrograms per millilitre), international",
    "mcg": "a unit symbol (micrograms), international",
    "mL": "a unit symbol (millilitres), international",
    "pg/mL": "a unit symbol (picograms per millilitre), international",
}

# Attributes whose values a person reads or hears (a screen reader speaks aria-label).
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-valuetext")

PLACEHOLDER = "\x00"
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ENTITY = re.compile(r"&#?\w+;")
_ATTRIBUTE = re.compile(rf"""\b({"|".join(READ_ATTRIBUTES)})\s*=\s*("[^"]*"|'[^']*')""")
_TAG = re.compile(r"<[^<>]*>")
_LETTERS = re.compile(r"[^\W\d_]")


def _without_template_code(source: str) -> str:
    """The template's own text, with every tag, variable and translated block replaced by a
    placeholder, and comment blocks dropped."""
    parts = []
    skip_until = None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skip_until:
                if name == skip_until:
                    skip_until = None
                continue
            if name in ("blocktranslate", "blocktrans"):
                skip_until = "end" + name
            elif name == "comment":
                skip_until = "endcomment"
            parts.append(PLACEHOLDER)
        elif skip_until:
            continue
        elif token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.VAR:
            parts.append(PLACEHOLDER)
    return "".join(parts)


def _has_words(text: str) -> bool:
    for allowed in sorted(ALLOWED_WORDS, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(allowed)}(?!\w)", " ", text)
    return bool(_LETTERS.search(text))


def unmarked_text(source: str, is_html: bool = True) -> list[str]:
    """The pieces of a template's text that a person would read and that are not marked."""
    text = _without_template_code(source)
    found = []
    if is_html:
        text = _COMMENT.sub(PLACEHOLDER, text)
        found += [
            f"{name}={value}"
            for name, value in _ATTRIBUTE.findall(text)
            if _has_words(_ENTITY.sub(" ", value))
        ]
        text = _TAG.sub(PLACEHOLDER, text)
    text = _ENTITY.sub(" ", text)
    for piece in text.split(PLACEHOLDER):
        piece = " ".join(piece.split())
        if _has_words(piece):
            found.append(piece)
    return found


def all_templates() -> list[Path]:
    return sorted(path for path in TEMPLATES_DIR.rglob("*") if path.suffix in (".html", ".txt"))


def test_every_template_marks_its_words_for_translation():
    failures = {}
    for path in all_templates():
        found = unmarked_text(path.read_text(), is_html=path.suffix == ".html")
        if found:
            failures[str(path.relative_to(TEMPLATES_DIR))] = found
    report = "\n".join(f"{name}: {found}" for name, found in failures.items())
    assert not failures, "Words not marked for translation:\n" + report


# --- the Python code's labels are marked -----------------------------------------------------

# Choice lists whose labels are reference data (regimens/reference/clinical.json, from
# ../shared/reference): names the clinical references give, not the app's own wording.
REFERENCE_CHOICES = {
    "doses.DoseLog.site": "injection sites",
    "labs.LabRange.analyte": "lab tests",
    "labs.LabResult.analyte": "lab tests",
    "doses.forms.CheckinForm.side_effects": "side effects",
    "doses.forms.DoseForm.side_effects": "side effects",
    "doses.forms.CorrectDoseForm.side_effects": "side effects",
    "labs.forms.LabForm.unit": "units of lab results, international",
}


def _unmarked(text) -> bool:
    """Words a person reads that are not a lazy translatable string."""
    return bool(text) and not isinstance(text, Promise) and bool(_LETTERS.search(str(text)))


def project_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if model._meta.app_label in APPS]


def project_forms() -> list[type[forms.BaseForm]]:
    """Every form class defined in the apps' forms modules (forms.py, setup_forms.py, ...)."""
    for app in APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*forms.py")):
            module = path.relative_to(settings.BASE_DIR).with_suffix("").parts
            importlib.import_module(".".join(module))
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.split(".")[0] in APPS and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _label_from_field_name(form, name: str) -> bool:
    """A ModelForm field whose label Django makes from the model field's name, as nobody set
    one (as "Lot number" from lot_number): there is no string in the code to mark."""
    meta = getattr(form, "_meta", None)
    model = getattr(meta, "model", None)
    if model is None or name in form.declared_fields or name in (meta.labels or {}):
        return False
    return model._meta.get_field(name)._verbose_name is None


def _reference_choices(form, name: str) -> bool:
    return any(
        f"{cls.__module__}.{cls.__qualname__}.{name}" in REFERENCE_CHOICES for cls in form.__mro__
    )


def test_the_forms_labels_help_texts_and_choices_are_marked_for_translation():
    """A form in another language would otherwise keep some of its labels, hints or options in
    English: every one the code sets is a lazy translatable string (gettext_lazy), evaluated
    in the language of the page that shows it."""
    found = project_forms()
    assert len(found) > 20, [cls.__qualname__ for cls in found]
    unmarked = []
    for form in found:
        for name, field in form.base_fields.items():
            where = f"{form.__module__}.{form.__qualname__}.{name}"
            if _unmarked(field.label) and not _label_from_field_name(form, name):
                unmarked.append(f"{where} label {field.label!r}")
            if _unmarked(field.help_text):
                unmarked.append(f"{where} help_text {field.help_text!r}")
            declared_choices = name in form.declared_fields and not isinstance(
                field, forms.ModelChoiceField
            )
            if declared_choices and hasattr(field, "choices"):
                if _reference_choices(form, name):
                    continue
                for _value, label in field.choices:
                    if _unmarked(label):
                        unmarked.append(f"{where} choice {label!r}")
    assert not unmarked, "Not marked for translation:\n" + "\n".join(unmarked)


def test_the_models_names_and_choices_are_marked_for_translation():
    """Model field names become form labels and column names, choice labels are what a page
    shows for a stored value ("Intramuscular" for IM): every one the code sets is lazy, and
    so are the models' and the apps' own names (the admin shows them)."""
    found = project_models()
    assert len(found) > 15, found
    unmarked = [
        f"{config.name} verbose_name {config.verbose_name!r}"
        for config in apps.get_app_configs()
        if config.name in APPS and _unmarked(config.verbose_name)
    ]
    for model in found:
        where = model._meta.label
        for option in ("verbose_name", "verbose_name_plural"):
            text = model._meta.original_attrs.get(option)
            if _unmarked(text):
                unmarked.append(f"{where} {option} {text!r}")
        for field in model._meta.get_fields():
            if not isinstance(field, models.Field) or field.auto_created:
                continue  # the other side of a relation, or the id Django adds: not our words
            name = f"{where}.{field.name}"
            if _unmarked(field._verbose_name):
                unmarked.append(f"{name} verbose_name {field._verbose_name!r}")
            if _unmarked(field.help_text):
                unmarked.append(f"{name} help_text {field.help_text!r}")
            if name in REFERENCE_CHOICES:
                continue
            for _value, label in field.flatchoices:
                if _unmarked(label):
                    unmarked.append(f"{name} choice {label!r}")
    assert not unmarked, "Not marked for translation:\n" + "\n".join(unmarked)


# --- the shipped catalogue holds every marked message -------------------------------------

PO_FILE = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"


def read_po(path: Path) -> set[tuple[str, str]]:
    """The (context, msgid) pairs of a .po file, obsolete (#~) entries left out: a plural
    entry gives its singular and its plural msgid."""
    return {
        (entry.msgctxt or "", msgid)
        for entry in polib.pofile(str(path))
        if not entry.obsolete
        for msgid in (entry.msgid, entry.msgid_plural)
        if msgid
    }


def template_messages() -> dict[tuple[str, str], str]:
    """Every (context, msgid) the templates look up, as Django itself reads the tags: the
    literal of each {% translate %} and the singular/plural text of each {% blocktranslate %}."""
    from django.template import engines
    from django.templatetags.i18n import BlockTranslateNode, TranslateNode

    engine = engines["django"].engine
    found = {}
    for path in all_templates():
        template = engine.from_string(path.read_text())
        for node in template.nodelist.get_nodes_by_type(TranslateNode):
            var = node.filter_expression.var
            if getattr(var, "literal", None) is not None:
                context = node.message_context.resolve({}) if node.message_context else ""
                found[(context, str(var.literal))] = path.name
        for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
            context = node.message_context.resolve({}) if node.message_context else ""
            found[(context or "", node.render_token_list(node.singular)[0])] = path.name
            if node.plural:
                found[(context or "", node.render_token_list(node.plural)[0])] = path.name
    return found


def test_the_shipped_catalogue_holds_every_message_the_templates_use():
    shipped = read_po(PO_FILE)
    missing = {key: name for key, name in template_messages().items() if key not in shipped}
    assert not missing, (
        "Run `manage.py makemessages -l en` and `compilemessages`; not in django.po: "
        + "; ".join(f"{name}: {msgid!r}" for (_, msgid), name in missing.items())
    )


def test_the_shipped_catalogue_holds_every_message_the_python_code_marks():
    """xgettext reads the apps as makemessages does; msgcmp lists any msgid it found that the
    shipped django.po lacks."""
    xgettext, msgcmp = shutil.which("xgettext"), shutil.which("msgcmp")
    if not (xgettext and msgcmp):
        pytest.skip("GNU gettext (xgettext, msgcmp) is not installed")
    sources = sorted(
        str(path)
        for app in APPS
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if "migrations" not in path.parts
    )
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "python.pot"
        subprocess.run(  # noqa: S603 (fixed arguments: the project's own files)
            [xgettext, "--language=Python", "--from-code=UTF-8", "--output", str(pot)]
            + [f"--keyword={keyword}" for keyword in XGETTEXT_KEYWORDS]
            + sources,
            check=True,
            capture_output=True,
        )
        if not pot.exists():  # nothing marked at all
            pytest.fail("xgettext found no marked message in the apps")
        result = subprocess.run(  # noqa: S603 (fixed arguments)
            [msgcmp, "--use-untranslated", str(PO_FILE), str(pot)],
            capture_output=True,
            text=True,
        )
    assert result.returncode == 0, result.stderr


def test_the_compiled_catalogue_is_what_its_source_compiles_to():
    """The shipped .mo, which Django reads, says what django.po says (file times prove nothing
    in a fresh clone)."""
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "django.mo"
        subprocess.run([msgfmt, "-o", str(fresh), str(PO_FILE)], check=True)  # noqa: S603
        expected = read_mo(fresh)
    shipped = read_mo(PO_FILE.with_suffix(".mo"))
    assert shipped == expected, "Run `manage.py compilemessages`"


def read_mo(path: Path) -> tuple[dict, dict]:
    """A compiled catalogue's header fields and its messages: (context, msgid, plural msgid)
    to the translation (the msgstr, or the plural forms' msgstr by index)."""
    catalogue = polib.mofile(str(path))
    messages = {
        (entry.msgctxt or "", entry.msgid, entry.msgid_plural or ""): (
            entry.msgstr,
            dict(entry.msgstr_plural),
        )
        for entry in catalogue
    }
    return catalogue.metadata, messages


APPS = (
    "accounts",
    "regimens",
    "symptoms",
    "doses",
    "supplies",
    "labs",
    "timeline",
    "reminders",
    "sharing",
    "plan_setup",
    "records",
    "clinic",
    "home",
    "api",
    "demo",
    "config",
)
# As django-admin makemessages passes them (django/core/management/commands/makemessages.py).
XGETTEXT_KEYWORDS = (
    "gettext_noop",
    "gettext_lazy",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "npgettext:1c,2,3",
    "pgettext_lazy:1c,2",
    "npgettext_lazy:1c,2,3",
)


# --- the marking is real: English reads as before, and a catalogue changes the page --------


def write_mo(path: Path, messages: dict[str, str]) -> None:
    """A GNU .mo file holding `messages` (msgid to msgstr), with a UTF-8 header."""
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for msgid, msgstr in messages.items():
        catalogue.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save_as_mofile(str(path))


def read(response) -> SimpleNamespace:
    """The page's h1, its muted paragraphs and its buttons."""
    page = soup(response)
    return SimpleNamespace(
        h1=texts(page, "h1"), muted=texts(page, "p.text-muted"), buttons=texts(page, "button")
    )


@pytest.fixture
def log_form(patient_client, patient):
    factories.regimen_for(patient, timezone.localdate() - timedelta(days=3))
    return lambda: read(patient_client.get(reverse("log_dose")))


@pytest.mark.django_db
def test_the_english_pages_read_as_before(log_form, patient_client):
    with translation.override("en"):
        page = log_form()
        home = patient_client.get(reverse("home")).content.decode()
    assert page.h1 == ["Log injection"]
    assert "Save injection" in page.buttons
    assert any(line.endswith("prescribed 1000 mcg") for line in page.muted), page.muted
    assert '<html lang="en">' in home
    assert "Next injection" in home
    assert "How you have been" in home


@pytest.mark.django_db
def test_a_catalogue_replaces_the_marked_sentences_on_a_real_page(log_form, tmp_path):
    write_mo(
        tmp_path / "en" / "LC_MESSAGES" / "django.mo",
        {
            "Log injection": "Record a shot",
            "Save injection": "Keep this shot",
            "prescribed %(dose)s mcg": "the plan says %(dose)s mcg",
        },
    )
    with override_settings(LOCALE_PATHS=[tmp_path]), translation.override("en"):
        page = log_form()
    assert page.h1 == ["Record a shot"]
    assert "Keep this shot" in page.buttons
    assert any(line.endswith("the plan says 1000 mcg") for line in page.muted), page.muted


def read_form(response) -> SimpleNamespace:
    """The labels of a form's fields, the error messages shown with them, and the values a
    browser would submit."""
    page = soup(response)
    return SimpleNamespace(
        labels=texts(page, "label"),
        errors=texts(page, ".invalid-feedback, .errorlist"),
        values=form_values(page),
    )


@pytest.mark.django_db
def test_a_catalogue_replaces_a_form_label_and_a_validation_message(
    patient, patient_client, tmp_path
):
    """The words the Python code gives a page are translated too: a label set on a form field
    (doses/forms.py) and the message of a rule checked by the model's clean() (no injection
    site chosen), shown when the patient submits the injection form without a site."""
    factories.regimen_for(patient, timezone.localdate() - timedelta(days=3))
    write_mo(
        tmp_path / "en" / "LC_MESSAGES" / "django.mo",
        {
            "When": "Given at",
            "Choose where it was injected.": "Say where the needle went in.",
        },
    )
    with override_settings(LOCALE_PATHS=[tmp_path]), translation.override("en"):
        form = read_form(patient_client.get(reverse("log_dose")))
        data = {name: value for name, value in form.values.items() if name != "csrfmiddlewaretoken"}
        page = read_form(patient_client.post(reverse("log_dose"), {**data, "site": ""}))
    assert any(label.startswith("Given at") for label in form.labels), form.labels
    assert not any(label.startswith("When") for label in form.labels), form.labels
    assert any(label.startswith("Given at") for label in page.labels), page.labels
    assert "Say where the needle went in." in page.errors, page.errors
    assert not any("Choose where it was injected." in error for error in page.errors)


def test_dates_the_python_code_writes_take_the_languages_day_and_month_names():
    day = date(2026, 3, 2)
    assert day_text(day) == "Mon 2 Mar 2026"
    with translation.override("de"):  # Django ships the names; no catalogue of ours needed
        assert day_text(day) == "Mo 2 Mär 2026"
