"""The office in the words staff and the portal use, not the models' names."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from trellis.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db

HOME = reverse("office:home")
MODEL_NAMES = [
    "issue",
    "issues",
    "access token",
    "access tokens",
    "access attempt",
    "access attempts",
    "property contact",
    "property contacts",
    "authentication and authorization",
    "otp_totp",
    "otp_static",
]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(response) -> str:
    """What a person reads on the page: its text, without markup, URLs or styles."""
    parser = _Text()
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def model_names_on(text: str) -> list[str]:
    return [name for name in MODEL_NAMES if re.search(rf"\b{name}\b", text, re.IGNORECASE)]


def test_the_office_home_names_the_areas_in_staff_words(office):
    text = visible_text(office.get(HOME))

    assert model_names_on(text) == []
    for words in [
        "Inbox",
        "Contacts",
        "Properties",
        "Proposals",
        "Invoices",
        "Requests",
        "Email",
        "Settings",
    ]:
        assert words in text


def test_a_staff_member_with_few_permissions_sees_only_their_areas(client):
    sam = StaffFactory(email="sam@greenway.example", first_name="Sam", last_name="Reyes")
    sam.user_permissions.add(*Permission.objects.filter(codename="view_issue"))
    client.force_login(sam)

    text = visible_text(client.get(HOME))

    assert "Requests" in text
    assert "Invoices" not in text and "Contacts" not in text
    assert model_names_on(text) == []
