"""Accessibility checks on a Playwright page: axe-core's rules, and a label for every field.

axe-core comes bundled with axe-playwright-python (its axe.min.js); it is put into the page
through Playwright, which the page's Content-Security-Policy does not govern, so the app's
strict CSP stays as it is in production.
"""

from axe_playwright_python.base import AXE_SCRIPT

# The impacts that fail a page; "moderate" and "minor" findings are left to judgement.
FAILING_IMPACTS = ("serious", "critical")


def axe_violations(page, skip_rules=()) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands. `skip_rules`: rule
    ids not run on this page (each with its reason where the page lists it)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in skip_rules},
    }
    results = page.evaluate("(options) => window.axe.run(document, options)", options)
    return [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]


def describe_violations(violations: list[dict]) -> str:
    """One line per element at fault: rule, impact, selector, and what the rule asks for."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            selector = " ".join(str(part) for part in node["target"])
            detail = "; ".join(check["message"] for check in node.get("any", []))
            lines.append(
                f"  {violation['id']} ({violation['impact']}) at {selector}: "
                f"{violation['help']}" + (f" ({detail})" if detail else "")
            )
    return "\n".join(lines)


# A field's accessible name from a <label> (for/id or wrapping) or aria-labelledby, with text
# in it (an image's alt text counts), or a non-empty aria-label. Hidden inputs and buttons are
# not fields a person fills in; a field counts as shown when it takes up room (or sits in a
# closed <details> a person opens).
UNLABELLED_FIELDS_JS = """(exempt) => {
  const text = (node) => node ? [node.textContent,
    ...[...node.querySelectorAll('img[alt]')].map((img) => img.alt)].join(' ').trim() : '';
  const notFields = ['hidden', 'submit', 'button', 'reset', 'image'];
  return [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !notFields.includes((el.type || '').toLowerCase()))
    .filter((el) => !(exempt && el.closest(exempt)))
    .filter((el) => el.getClientRects().length > 0 || el.closest('details:not([open])'))
    .filter((el) => {
      if ([...(el.labels || [])].some((label) => text(label))) return false;
      const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
      if (ids.some((id) => text(document.getElementById(id)))) return false;
      return !(el.getAttribute('aria-label') || '').trim();
    })
    .map((el) => `${el.tagName.toLowerCase()} name="${el.name}" id="${el.id}"`);
}"""


def unlabelled_fields(page, exempt: str = "") -> list[str]:
    """The fields a person can fill in on the page that have no label to say what they are,
    outside the elements the CSS selector `exempt` names."""
    return page.evaluate(UNLABELLED_FIELDS_JS, exempt)
