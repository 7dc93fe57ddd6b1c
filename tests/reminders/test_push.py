"""Reminders as notifications (Web Push): `send_reminders` sends them to each of the patient's
devices, through the same ledger as email (once, retried on failure), and a device whose
subscription has ended is removed. No internet: the "push service" is a small HTTP server on
127.0.0.1 that keeps each request; the test decrypts the body with the subscription's own
private key (as a browser would) and checks the VAPID signature (as a push service would)."""

import base64
import json
import os
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import urlparse

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core import mail
from django.core.management import CommandError, call_command

from reminders.models import PushDevice, ReminderSent
from tests import factories
from tests.clock import frozen
from tests.reminders.test_send_reminders import DUE, at, due_on, run

pytestmark = pytest.mark.django_db

SUBJECT = "mailto:care@example.org"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A push service on 127.0.0.1: keeps each request (path, headers, body) and answers with
    `status` (201, as a real one does, unless a test says otherwise)."""

    def __init__(self):
        self.requests = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.requests.append((self.path, headers, body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """One subscription, as a browser makes it: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self, patient, service, path="/push/phone"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.device = PushDevice.objects.create(
            user=patient,
            endpoint=service.origin + path,
            p256dh=b64url(public),
            auth=b64url(self.auth),
            name="Chrome on Android",
        )

    def read(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def check_vapid(headers: dict, public_key: str, audience: str, now: datetime):
    """The Authorization header is `vapid t=<JWT>, k=<public key>`; the JWT is signed (ES256)
    by that key and names the push service (aud), the contact (sub) and an expiry within a
    day (exp)."""
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key
    head, claims, signature = fields["t"].split(".")
    assert json.loads(unb64url(head)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    claims = json.loads(unb64url(claims))
    assert claims["aud"] == audience
    assert claims["sub"] == SUBJECT
    assert now.timestamp() < claims["exp"] <= now.timestamp() + 24 * 3600


def push_ledger(patient):
    return set(patient.reminders_sent.filter(channel="push").values_list("kind", "status"))


def test_a_due_injection_reaches_the_phone_encrypted_and_signed(patient, service, vapid):
    due_on(patient, delivery="push")
    phone = Browser(patient, service)
    moment = at(DUE, 9)

    run(moment)

    [(path, headers, body)] = service.requests
    assert path == "/push/phone"
    assert headers["content-encoding"] == "aes128gcm"
    check_vapid(headers, vapid, service.origin, moment)
    shown = phone.read(body)
    assert shown["title"] == "B12 injection due"
    assert "mcg" not in json.dumps(shown)  # nothing about the dose on the lock screen
    assert [a["action"] for a in shown["actions"]] == ["taken", "snooze"]
    assert shown["actions"][0]["url"] == "https://b12.example.org/injections/log/"
    assert shown["snooze_url"].startswith("https://b12.example.org/notifications/snooze/")
    assert mail.outbox == []  # notifications only, as chosen
    assert push_ledger(patient) == {("due_today", "sent")}
    phone.device.refresh_from_db()
    assert phone.device.last_success_at is not None

    run(moment + timedelta(minutes=15))
    assert len(service.requests) == 1  # never twice


def test_with_details_on_the_notification_says_what_is_due(patient, service, vapid):
    due_on(patient, delivery="push", push_details=True)
    phone = Browser(patient, service)

    run(at(DUE, 9))

    [(_path, _headers, body)] = service.requests
    assert phone.read(body)["title"] == "B12 injection due today"


def test_both_sends_an_email_and_a_notification_each_once(patient, service, vapid):
    due_on(patient, delivery="both")
    Browser(patient, service)

    run(at(DUE, 9))
    run(at(DUE, 10))

    assert len(service.requests) == 1
    assert [m.subject for m in mail.outbox] == ["B12 injection due today"]


def test_every_device_gets_it(patient, service, vapid):
    due_on(patient, delivery="push")
    phone, laptop = Browser(patient, service, "/push/phone"), Browser(patient, service, "/push/pc")

    run(at(DUE, 9))

    assert sorted(path for path, _h, _b in service.requests) == ["/push/pc", "/push/phone"]
    for path, _headers, body in service.requests:
        reader = phone if path == "/push/phone" else laptop
        assert reader.read(body)["title"] == "B12 injection due"


def test_a_gone_subscription_removes_the_device_and_email_takes_over(patient, service, vapid):
    due_on(patient, delivery="push")
    Browser(patient, service)
    service.status = 410

    run(at(DUE, 9))

    assert not PushDevice.objects.filter(user=patient).exists()
    assert push_ledger(patient) == {("due_today", "failed")}
    assert mail.outbox == []

    run(at(DUE, 10))  # no device left: the reminder comes by email

    assert [m.subject for m in mail.outbox] == ["B12 injection due today"]
    assert len(service.requests) == 1


def test_a_push_service_error_is_retried_on_the_next_run_and_sent_once(patient, service, vapid):
    due_on(patient, delivery="push")
    phone = Browser(patient, service)
    service.status = 500

    with pytest.raises(CommandError, match="1 reminder could not be sent"):
        run(at(DUE, 9))

    assert push_ledger(patient) == {("due_today", "failed")}
    assert PushDevice.objects.filter(pk=phone.device.pk).exists()

    service.status = 201
    run(at(DUE, 10))
    run(at(DUE, 11))

    assert len(service.requests) == 2  # the failed one, then the retry; no more
    assert push_ledger(patient) == {("due_today", "sent")}


def test_without_vapid_keys_reminders_go_by_email(patient, service, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    due_on(patient, delivery="push")
    Browser(patient, service)

    run(at(DUE, 9))

    assert service.requests == []
    assert [m.subject for m in mail.outbox] == ["B12 injection due today"]


def test_snooze_sends_it_again_an_hour_later_once_if_still_due(client, patient, service, vapid):
    due_on(patient, delivery="push")
    phone = Browser(patient, service)
    run(at(DUE, 9))
    snooze = urlparse(phone.read(service.requests[0][2])["snooze_url"]).path

    with frozen(at(DUE, 9, 5)):
        assert client.post(snooze).status_code == 204

    run(at(DUE, 9, 45))
    assert len(service.requests) == 1  # not yet
    run(at(DUE, 10, 5))
    assert len(service.requests) == 2
    assert phone.read(service.requests[1][2])["title"] == "B12 injection due"
    run(at(DUE, 11, 30))
    assert len(service.requests) == 2  # snoozed once, sent again once


def test_snoozing_after_the_dose_was_logged_sends_nothing(client, patient, service, vapid):
    regimen = due_on(patient, delivery="push")
    phone = Browser(patient, service)
    run(at(DUE, 9))
    snooze = urlparse(phone.read(service.requests[0][2])["snooze_url"]).path
    with frozen(at(DUE, 9, 5)):
        client.post(snooze)
        factories.give(regimen, DUE)

    run(at(DUE, 10, 30))

    assert len(service.requests) == 1


def test_a_forged_snooze_address_is_not_found(client, patient, service, vapid):
    assert client.post("/notifications/snooze/not-a-token/").status_code == 404
    assert client.get("/notifications/snooze/not-a-token/").status_code == 405


def test_the_command_makes_a_key_pair_a_browser_and_pywebpush_accept():
    out = StringIO()
    call_command("vapid_keys", stdout=out)
    lines = dict(
        line.split("=", 1) for line in out.getvalue().splitlines() if line.startswith("DJANGO_")
    )
    public = unb64url(lines["DJANGO_VAPID_PUBLIC_KEY"])
    assert len(public) == 65 and public[0] == 4  # an uncompressed P-256 point
    assert len(unb64url(lines["DJANGO_VAPID_PRIVATE_KEY"])) == 32
    assert ReminderSent.objects.count() == 0


def test_supplies_running_out_reach_the_phone_without_health_data(patient, service, vapid):
    due_on(patient, template=factories.US_TEMPLATE, delivery="push", due_soon=False)
    with frozen(at(DUE - timedelta(days=30))):
        factories.add_supply(
            patient, count=3, received_on=DUE - timedelta(days=30), expires_on=DUE + timedelta(365)
        )
    phone = Browser(patient, service)

    run(at(DUE - timedelta(days=11)))
    run(at(DUE - timedelta(days=10)))

    [(_path, _headers, body)] = service.requests
    shown = phone.read(body)
    assert shown["title"] == "B12 log reminder"
    assert shown["body"] == "Open the app to see more."
    assert "Nov" not in json.dumps(shown)  # not when they run out, on the lock screen
    assert shown["url"] == "https://b12.example.org/supplies/"
    assert [a["action"] for a in shown["actions"]] == ["snooze"]
    assert mail.outbox == []
    assert push_ledger(patient) == {("running_out", "sent")}
