"""The user of each request is read by accounts.backends.UserBackend: the same user, field for
field, as Django's ModelBackend reads, and nobody for an id that is gone, wrong or inactive."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.urls import reverse

from accounts.backends import UserBackend
from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_reads_the_same_user_as_django_does(patient):
    ours, django = UserBackend().get_user(str(patient.pk)), ModelBackend().get_user(patient.pk)
    for field in User._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(django, field.attname), field.name
    assert ours.last_login is None or ours.last_login.tzinfo is not None


@pytest.mark.parametrize("user_id", ["999999", "not-a-number", ""])
def test_an_id_that_is_gone_or_wrong_is_nobody(patient, user_id):
    assert UserBackend().get_user(user_id) is None


def test_a_deactivated_user_is_signed_out_at_their_next_page(patient, patient_client):
    assert patient_client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=patient.pk).update(is_active=False)
    assert patient_client.get(reverse("home")).url.startswith(reverse("login"))


def test_signing_in_with_the_form_uses_it(client, patient):
    client.post(reverse("login"), {"username": patient.email, "password": factories.PASSWORD})
    assert client.session["_auth_user_backend"] == "accounts.backends.UserBackend"
    assert client.get(reverse("home")).context["user"] == patient
