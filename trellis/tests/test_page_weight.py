"""Every portal page weighs under 60 KB the first time a browser opens it: its
HTML gzipped, and each stylesheet and script it links as WhiteNoise serves them
from production's collected static files."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.models import AccessToken
from trellis.accounts.tokens import token_issue
from trellis.billing.payments import invoice_pay
from trellis.billing.tests.methods import key, saved_card
from trellis.company.models import Company
from trellis.customers.models import Contact, PropertyContact
from trellis.issues.models import Photo
from trellis.issues.tests.photos import png
from trellis.portal.views.invoices import PER_PAGE
from trellis.proposals.models import Proposal
from trellis.testing.documents import invoices, property_of
from trellis.testing.factories import (
    CommentFactory,
    InvoiceFactory,
    IssueFactory,
    ProposalFactory,
)
from trellis.testing.sign_in import sign_in
from trellis.tests.security_world import (
    PortalWorld,
    bank_and_autopay,
    portal_patterns,
    portal_url,
)
from trellis.tests.test_security_headers import CUSTOMER_PAGES as CUSTOMER_HTML_PAGES
from trellis.tests.test_security_headers import SIGNED_OUT_PAGES

pytestmark = pytest.mark.django_db

LIMIT = 60_000  # bytes
GZIP = {"accept-encoding": "gzip"}
DAY = timedelta(days=1)
# The pages each walk must have weighed: one that silently weighed fewer fails.
CUSTOMER_PAGES = CUSTOMER_HTML_PAGES | {"help", "two-factor", "two-factor-set-up"}


@dataclass(frozen=True)
class Weight:
    html: int  # the page, gzipped
    assets: int  # its stylesheets and scripts, as served

    @property
    def total(self) -> int:
        return self.html + self.assets


class LinkedAssets(HTMLParser):
    """The stylesheets and scripts a page makes the browser fetch from Trellis."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").split():
            self.add(attributes.get("href"))
        elif tag == "script":
            self.add(attributes.get("src"))

    def add(self, url: str | None) -> None:
        # Same origin: a path, not another host's //… or https://…
        if url and url.startswith("/") and not url.startswith("//") and url not in self.urls:
            self.urls.append(url)


def transferred(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def weight_of(client: Client, url: str) -> Weight | None:
    """What the page at `url` costs to download, or None if it is no HTML page
    (a redirect, a PDF, a form's POST-only address)."""
    page = client.get(url, headers=GZIP)
    body = transferred(page)  # read to the end: the test client then closes a file
    if page.status_code != 200 or not page["Content-Type"].startswith("text/html"):
        return None
    assert page["Content-Encoding"] == "gzip", url
    assets = LinkedAssets()
    assets.feed(gzip.decompress(body).decode())
    sizes = []
    for asset_url in assets.urls:
        asset = client.get(asset_url, headers=GZIP)
        assert asset.status_code == 200, f"{url} links {asset_url}: {asset.status_code}"
        sizes.append(len(transferred(asset)))
    return Weight(html=len(body), assets=sum(sizes))


def walk(client: Client, world: PortalWorld | None) -> dict[str, Weight]:
    weights = {}
    for pattern in portal_patterns():
        weight = weight_of(client, portal_url(pattern, world))
        if weight is not None:
            weights[pattern.name] = weight
    return weights


def too_heavy(weights: dict[str, Weight]) -> list[str]:
    return [
        f"{name}: {w.total} bytes (HTML {w.html}, stylesheets and scripts {w.assets})"
        for name, w in weights.items()
        if w.total >= LIMIT
    ]


def busy_portal(contact: Contact) -> PortalWorld:
    """More than a page of every list, and the longest documents the portal
    shows, on a property where the contact is Primary and one where she is Billing."""
    home = property_of(contact)
    other = property_of(contact, role=PropertyContact.Role.BILLING)
    now = timezone.now()
    invoices(home, PER_PAGE + 5)
    invoices(other, 5)
    invoice = InvoiceFactory(
        property=home,
        printed_at=now,
        lines=[
            {"description": f"Mowing and edging, visit {n}", "unit_price": Decimal("45.00")}
            for n in range(30)
        ],
    )
    ProposalFactory.create_batch(PER_PAGE + 5, property=home, printed_at=now)
    proposal = ProposalFactory(
        property=home,
        printed_at=now,
        status=Proposal.Status.SENT,
        items=[
            {
                "description": f"Planting bed {n}: soil, shrubs and mulch",
                "unit_price": Decimal("120.00"),
                "optional": n % 3 == 0,
            }
            for n in range(30)
        ],
    )
    IssueFactory.create_batch(PER_PAGE + 5, property=home)
    issue = IssueFactory(property=home)
    CommentFactory.create_batch(20, issue=issue, body="We will be there on Tuesday. " * 5)
    photos = []
    for n in range(5):
        photo = Photo(issue=issue, content_type="image/png", size=1, original_name=f"bed-{n}.png")
        photo.image.save("photo", png(), save=False)
        photo.save()
        photos.append(photo)
    methods = [saved_card(contact, is_default=n == 0) for n in range(9)]
    payment = invoice_pay(
        invoice_id=invoice.pk,
        contact=contact,
        company=Company.load(),
        method=methods[0],
        amount=Decimal("100.00"),
        idempotency_key=key(),
    )
    return PortalWorld(
        contact,
        invoice,
        proposal,
        issue,
        photos[0],
        methods[0],
        payment,
        *bank_and_autopay(methods[0], home),
    )


def test_every_portal_page_of_a_busy_customer_weighs_under_60_kb(
    client, alice, settings, tmp_path, production_static_files
):
    settings.MEDIA_ROOT = tmp_path
    world = busy_portal(alice.contact)
    assert sign_in(client, alice.contact.email).status_code == 302
    weights = walk(client, world)
    assert set(weights) >= CUSTOMER_PAGES
    assert too_heavy(weights) == []


def emailed_link(contact: Contact, purpose: str, name: str) -> str:
    token = token_issue(contact=contact, purpose=purpose, sent_to=contact.email, lifetime=DAY)[1]
    return reverse(name, kwargs={"token": token})


def test_every_portal_page_signed_out_weighs_under_60_kb(
    client, alice, charlie, production_static_files
):
    weights = walk(client, None)
    for name, contact, purpose in [
        ("password-reset", alice.contact, AccessToken.Purpose.PASSWORD_RESET),
        ("invitation", charlie, AccessToken.Purpose.INVITATION),
    ]:
        weight = weight_of(client, emailed_link(contact, purpose, f"portal:{name}"))
        assert weight is not None, name
        weights[name] = weight
    assert set(weights) >= SIGNED_OUT_PAGES
    assert too_heavy(weights) == []
