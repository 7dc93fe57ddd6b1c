"""Templates show; they do not decide (issue 17 §4). A template that compares a value with a
literal ("active", "overdue", "dose") is taking a rule that belongs to a model method or the
view's context: this test finds any."""

import re
from pathlib import Path

from django.conf import settings

LITERAL_COMPARISON = re.compile(
    r"\{%-?\s*(?:if|elif)\b[^%]*?(?:==|!=)\s*(['\"])[^'\"]*\1[^%]*%\}", re.DOTALL
)


def template_files():
    for folder in settings.TEMPLATES[0]["DIRS"]:
        yield from sorted(Path(folder).rglob("*.html"))
        yield from sorted(Path(folder).rglob("*.txt"))


def test_the_finder_sees_a_literal_comparison():
    assert LITERAL_COMPARISON.search('{% if regimen.status == "active" %}')
    assert LITERAL_COMPARISON.search("{% elif item.kind != 'dose' %}")
    assert not LITERAL_COMPARISON.search("{% if regimen.is_active %}")
    assert not LITERAL_COMPARISON.search("{% if event.actor_id == user.pk %}")


def test_no_template_compares_a_value_with_a_literal():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
        for path in template_files()
        for match in LITERAL_COMPARISON.finditer(path.read_text())
    ]
    assert found == []
