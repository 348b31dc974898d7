"""What the browser downloads: pages gzipped when it asks, downloads intact
when gzipped, and static files under hashed names cached for a year (the
production storage: trellis/testing/static_files.py)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import reverse

from trellis.testing.factories import ContactFactory
from trellis.testing.sign_in import sign_in
from trellis.tests.security_world import portal_world

pytestmark = pytest.mark.django_db

GZIP = {"accept-encoding": "gzip"}
ONE_YEAR = 365 * 24 * 3600
STATIC_TAG = re.compile(r"""{%\s*static\s+["']([^"']+)["']\s*%}""")


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def max_age(response) -> int:
    found = re.search(r"max-age=(\d+)", response["Cache-Control"])
    return int(found[1]) if found else 0


def test_a_page_is_gzipped_for_a_browser_that_asks_and_plain_for_one_that_does_not(client):
    plain = client.get("/sign-in/")
    compressed = client.get("/sign-in/", headers=GZIP)

    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert b"<form" in gzip.decompress(compressed.content)
    assert len(compressed.content) < len(plain.content) / 2
    assert "Accept-Encoding" in plain["Vary"]


def test_a_hashed_static_file_is_cached_for_a_year_and_sent_compressed_once(
    client, production_static_files
):
    page = gzip.decompress(client.get("/sign-in/", headers=GZIP).content).decode()
    stylesheet = re.search(r'href="(/static/portal/portal\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page names the stylesheet by its hash"

    response = client.get(stylesheet[1], headers=GZIP)

    assert response.status_code == 200
    assert max_age(response) >= ONE_YEAR
    assert {"public", "immutable"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    # WhiteNoise sends the copy collectstatic compressed; GZip leaves it alone.
    assert response["Content-Encoding"] == "gzip"
    collected = production_static_files / stylesheet[1].removeprefix(settings.STATIC_URL)
    assert gzip.decompress(body(response)) == collected.read_bytes()


def test_a_static_file_by_its_plain_name_is_cached_only_briefly(client, production_static_files):
    response = client.get("/static/portal/portal.css")
    body(response)

    assert response.status_code == 200
    assert max_age(response) < 3600
    assert "immutable" not in response["Cache-Control"]


def test_every_static_file_a_template_names_has_a_hashed_name(production_static_files):
    # With DEBUG off a name missing from the manifest is a 500 on that page,
    # so this looks at every template, not only the pages the tests open.
    templates = Path(settings.BASE_DIR, "trellis").glob("**/templates/**/*.html")
    names = {name for t in templates for name in STATIC_TAG.findall(t.read_text())}
    assert "portal/portal.css" in names

    assert sorted(names - set(staticfiles_storage.hashed_files)) == []


def test_the_favicon_address_leads_to_the_hashed_icon(client, production_static_files):
    response = client.get("/favicon.ico")

    assert response.status_code in {301, 302}
    assert re.fullmatch(r"/static/portal/favicon\.[0-9a-f]{12}\.svg", response.url)


# Downloads: text (a CSV) is gzipped when the browser asks; what is compressed
# already (PDFs, photos) is sent as it is (trellis/compression.py). Either way
# the browser gets back exactly the file, with its headers.


@pytest.fixture
def alice_world(client, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = portal_world(alice.contact)
    assert sign_in(client, alice.contact.email).status_code == 302
    return world


def assert_same_download(plain, compressed) -> None:
    assert compressed.status_code == plain.status_code == 200
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(body(compressed)) == body(plain)
    for header in ("Content-Type", "Content-Disposition", "Cache-Control"):
        assert compressed.get(header) == plain.get(header), header


def assert_sent_as_it_is(plain, asked_gzip) -> None:
    assert asked_gzip.status_code == plain.status_code == 200
    assert "Content-Encoding" not in asked_gzip
    assert body(asked_gzip) == body(plain)
    for header in ("Content-Type", "Content-Disposition", "Cache-Control"):
        assert asked_gzip.get(header) == plain.get(header), header


def test_a_request_photo_is_sent_as_it_is_to_a_browser_that_asks_for_gzip(client, alice_world):
    url = reverse(
        "portal:request-photo",
        kwargs={"pk": alice_world.issue.pk, "photo_id": alice_world.photo.pk},
    )
    plain, asked_gzip = client.get(url), client.get(url, headers=GZIP)

    assert_sent_as_it_is(plain, asked_gzip)
    assert asked_gzip["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert asked_gzip["X-Content-Type-Options"] == "nosniff"


def test_an_invoice_pdf_is_sent_as_it_is_to_a_browser_that_asks_for_gzip(client, alice_world):
    url = reverse("portal:invoice-pdf", kwargs={"pk": alice_world.invoice.pk})
    response = client.get(url, headers=GZIP)

    assert "Content-Encoding" not in response
    pdf = body(response)
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_a_pdf_printed_in_the_office_is_sent_as_it_is(client, staff, alice_world):
    client.force_login(staff)
    response = client.post(
        reverse("office:invoice-print", args=[alice_world.invoice.pk]), headers=GZIP
    )

    assert "Content-Encoding" not in response
    pdf = body(response)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_the_contacts_csv_downloads_intact_when_gzipped(client, staff, alice):
    ContactFactory.create_batch(20)  # big enough to be worth compressing
    client.force_login(staff)
    url = reverse("office:contacts-export")
    plain, compressed = client.get(url), client.get(url, headers=GZIP)

    assert_same_download(plain, compressed)
    assert "alice@example.com" in gzip.decompress(compressed.content).decode("utf-8-sig")
