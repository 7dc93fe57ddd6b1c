"""Screenshots of the key pages for the README, at phone and desktop widths.

    .venv/bin/python scripts/screenshots.py

Builds a throwaway SQLite database in a temporary directory (migrate, load_templates,
seed_demo: the same demo as `make run`, dated relative to today with a fixed random seed),
starts the development server on a free port, signs in as the demo patient, clinician and
admin with Playwright on the system Chromium, and writes PNGs to docs/screenshots/. Nothing
else is touched: the project's own db.sqlite3 stays as it was.

Phone shots are 360 px wide (at device scale 2), of the whole page up to PHONE_MAX_HEIGHT;
desktop shots are the first 1280 x 800 of each page. Each PNG is reduced to a 256-colour
palette (Pillow), which keeps text sharp and the whole folder small.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "b12-demo-pass"  # noqa: S105 - demo/people.py: demo accounts only
PATIENT = "patient@example.com"
CLINICIAN = "clinician@example.com"
PHARMACIST = "pharmacist@example.com"
CARER = "carer@example.com"
ADMIN = "admin@example.com"

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
PHONE_MAX_HEIGHT = 1800  # CSS pixels: a long page is cut here rather than shrunk to nothing
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
TIMEOUT_MS = 120_000  # a busy machine draws the charts slowly; nothing here should hang


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit code {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Patients and clinicians land on their home, the admin on the admin site.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"), timeout=TIMEOUT_MS)


def shoot(page, base: str, path: str, name: str, width: str) -> Path:
    page.goto(f"{base}{path}")
    page.wait_for_load_state("networkidle")
    target = OUT / f"{name}-{width}.png"
    if width == "phone":
        # A tall phone rather than a full-page capture, so that bars fixed to the bottom of the
        # screen (the log form's Save) sit at the bottom of the picture, not across its middle.
        height = min(page.evaluate("document.documentElement.scrollHeight"), PHONE_MAX_HEIGHT)
        page.set_viewport_size({"width": PHONE["viewport"]["width"], "height": height})
        page.wait_for_timeout(200)  # let the layout settle at the new height
        page.screenshot(path=target, animations="disabled", caret="hide")
        page.set_viewport_size(PHONE["viewport"])
    else:
        page.screenshot(path=target, animations="disabled", caret="hide")
    with Image.open(target) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            target, optimize=True
        )
    return target


def href(page, base: str, link_name: str) -> str:
    """The path of the first link with this accessible name on the current page."""
    url = page.get_by_role("link", name=link_name).first.get_attribute("href")
    return url.removeprefix(base)


def patient_shots(browser, base: str, width: str) -> list[Path]:
    context = browser.new_context(**WIDTHS[width], reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, base, PATIENT)
    record = href(page, base, "All charts and your adherence")
    shots = [
        shoot(page, base, "/", "patient-home", width),
        shoot(page, base, "/injections/log/", "patient-log-injection", width),
        shoot(page, base, "/history/", "patient-history", width),
        shoot(page, base, "/labs/", "patient-labs", width),
        shoot(page, base, record, "patient-record", width),
    ]
    context.close()
    return shots


def clinician_shots(browser, base: str, width: str) -> list[Path]:
    context = browser.new_context(**WIDTHS[width], reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, base, CLINICIAN)
    shots = [shoot(page, base, "/", "clinician-triage", width)]
    record = href(page, base, "Pat Morgan")
    shots += [
        shoot(page, base, record, "clinician-record", width),
        shoot(page, base, f"{record.rstrip('/')}/report/", "clinician-report", width),
    ]
    context.close()
    return shots


def pharmacist_shots(browser, base: str, width: str) -> list[Path]:
    context = browser.new_context(**WIDTHS[width], reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, base, PHARMACIST)
    shots = [shoot(page, base, "/", "pharmacist-patients", width)]
    one = href(page, base, "Pat Morgan")
    shots.append(shoot(page, base, one, "pharmacist-patient", width))
    context.close()
    return shots


def carer_shots(browser, base: str, width: str) -> list[Path]:
    """The carer records for Pat Morgan first; the banner offers the switch to Sam Okafor."""
    context = browser.new_context(**WIDTHS[width], reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, base, CARER)
    shots = [
        shoot(page, base, "/", "carer-home", width),
        shoot(page, base, "/injections/log/", "carer-log-injection", width),
    ]
    context.close()
    return shots


def admin_shots(browser, base: str, width: str) -> list[Path]:
    context = browser.new_context(**WIDTHS[width], reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, base, ADMIN)
    changelist = "/admin/regimens/regimentemplate/"
    shots = [shoot(page, base, changelist, "admin-templates", width)]
    one = href(page, base, "Cyanocobalamin 1000 mcg, common US practice")  # the demo's
    shots.append(shoot(page, base, one, "admin-template", width))
    context.close()
    return shots


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="b12-screenshots-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DJANGO_CACHE_URL": "locmemcache://screenshots",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    server = None
    try:
        print(f"Building the demo database in {workdir}")
        manage(env, "migrate", "--no-input")
        manage(env, "load_templates")
        manage(env, "seed_demo")
        base = f"http://127.0.0.1:{port}"
        with open(workdir / "server.log", "wb") as log:
            server = subprocess.Popen(  # noqa: S603 - our own manage.py
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(f"{base}/health/", server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            shots = []
            for width in WIDTHS:
                for role_shots in (
                    patient_shots,
                    clinician_shots,
                    pharmacist_shots,
                    carer_shots,
                    admin_shots,
                ):
                    shots += role_shots(browser, base, width)
            browser.close()
        total = sum(path.stat().st_size for path in shots)
        for path in shots:
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
        print(f"{len(shots)} screenshots, {total / 1024 / 1024:.1f} MB in all")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
