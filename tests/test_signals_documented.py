"""Every receiver the project connects to a Django signal is listed, with its reason, in
docs/signals.md; a new one must be written there too (issue 17: signals are the exception)."""

import weakref
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

PROJECT_APPS = {
    config.name
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in config.path
}
SIGNALS = (pre_save, post_save, pre_delete, post_delete, m2m_changed, user_logged_in)


def project_receivers() -> set[str]:
    """module.function of each receiver connected to SIGNALS by the project's own code."""
    found = set()
    for signal in SIGNALS:
        for _key, ref, *_rest in signal.receivers:
            # Receivers are kept as weak references unless connected with weak=False.
            receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
            module = getattr(receiver, "__module__", None) or ""
            if module.split(".")[0] in PROJECT_APPS:
                found.add(f"{module}.{receiver.__qualname__}")
    return found


def test_every_receiver_is_in_the_signals_document():
    documented = Path(settings.BASE_DIR, "docs", "signals.md").read_text()
    receivers = project_receivers()
    assert "doses.freshness._patient_row_changed" in receivers  # the lookup finds them at all
    missing = sorted(name for name in receivers if f"`{name}`" not in documented)
    assert not missing, f"connected but not in docs/signals.md: {missing}"
