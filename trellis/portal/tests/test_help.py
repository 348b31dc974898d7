import pytest

from trellis.company.models import Company

pytestmark = pytest.mark.django_db

HELP_LINK = 'href="/help/"'


def test_the_help_page_answers_signed_out_in_english(client):
    company = Company.load()
    company.sending_address = "hello@greenway.example"
    company.save()

    response = client.get("/help/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "look in your spam or junk folder" in page.lower()
    assert "hello@greenway.example" in page
    assert 'href="/forgot-password/"' in page
    assert "Add a Payment Method" in page


def test_the_help_page_answers_in_spanish(client):
    client.post("/i18n/setlang/", {"language": "es", "next": "/help/"})

    response = client.get("/help/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "Ayuda" in page
    assert "correo no deseado" in page
    assert Company.load().sending_address in page


def test_sign_in_links_to_help(client):
    assert HELP_LINK in client.get("/sign-in/").content.decode()


def test_forgot_password_links_to_help(client):
    assert HELP_LINK in client.get("/forgot-password/").content.decode()


def test_forgot_password_sent_links_to_help(client):
    response = client.post("/forgot-password/", {"email": "nobody@example.com"})
    assert HELP_LINK in response.content.decode()


def test_manage_payments_links_to_help(alice_client):
    response = alice_client.get("/profile/payment-methods/")
    assert response.status_code == 200
    assert HELP_LINK in response.content.decode()
