"""The office in the company's name and colour, with header text and links
that stay readable whatever colour the company picked."""

import re

import pytest
from django.urls import reverse

from trellis.company.models import Company
from trellis.office.branding import office_brand_of

pytestmark = pytest.mark.django_db

HOME = reverse("office:home")
SIGN_IN = reverse("office:sign-in")
# Django's admin (the superuser's raw data) keeps the brand in its own frame.
ADMIN_PAGE = reverse("admin:customers_contact_changelist")
BRAND = ":root"  # office/base.html sets the brand's shades here


def contrast(first: str, second: str) -> float:
    """WCAG 2's contrast ratio, worked out here on its own so the test can
    disagree with trellis.office.branding."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(first), luminance(second)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def css_variables(html: str, selector: str) -> dict[str, str]:
    """The custom properties the page's style block sets under `selector`."""
    block = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", html)
    assert block, f"no {selector} block on the page"
    return dict(re.findall(r"(--[a-z-]+):\s*([^;]+);", block.group(1)))


def branded(colour: str) -> None:
    company = Company.load()
    company.name = "Greenway Landscaping"
    company.brand_colour = colour
    company.save()


def test_the_office_header_shows_the_company_name_and_colour(office):
    branded("#2f6b3a")

    html = office.get(HOME).content.decode()

    assert re.search(r'<a class="office-brand" [^>]*>.*Greenway Landscaping.*</a>', html)
    assert "<title>Inbox · Greenway Landscaping</title>" in html
    assert "Trellis back office" not in html
    assert css_variables(html, BRAND)["--brand"] == "#2f6b3a"


def test_the_admins_raw_data_pages_carry_the_brand_too(office):
    branded("#2f6b3a")

    html = office.get(ADMIN_PAGE).content.decode()

    assert re.search(r'<div id="site-name">.*Greenway Landscaping.*</div>', html)
    assert css_variables(html, ":root, html[data-theme]")["--header-bg"] == "#2f6b3a"


def test_the_sign_in_page_carries_the_company_name(client):
    branded("#2f6b3a")

    html = client.get(SIGN_IN).content.decode()

    assert re.search(r'<a class="office-brand" [^>]*>.*Greenway Landscaping.*</a>', html)
    assert "Staff sign-in to Greenway Landscaping" in html
    assert css_variables(html, BRAND)["--brand"] == "#2f6b3a"


def test_a_light_brand_colour_still_gives_readable_header_text_links_and_buttons(office):
    branded("#f5e663")  # a pale yellow: white text on it would be unreadable

    html = office.get(HOME).content.decode()

    brand = css_variables(html, BRAND)
    assert brand["--brand"] == "#f5e663"
    assert contrast("#ffffff", "#f5e663") < 4.5
    assert contrast(brand["--brand-text"], brand["--brand"]) >= 4.5
    assert contrast("#ffffff", brand["--button"]) >= 4.5
    assert contrast("#ffffff", brand["--button-hover"]) >= 4.5
    assert contrast(brand["--link"], "#ffffff") >= 4.5
    assert contrast(brand["--link-hover"], "#ffffff") >= 4.5


@pytest.mark.parametrize(
    "colour", ["#2f6b3a", "#f5e663", "#ffffff", "#000000", "#79aec8", "#ff0000", "#777777"]
)
def test_every_brand_colour_gives_text_that_reads_on_it(colour):
    brand = office_brand_of(Company(name="Greenway Landscaping", brand_colour=colour))

    assert brand.header_bg == colour
    assert contrast(brand.header_fg, brand.header_bg) >= 4.5
    assert contrast(brand.breadcrumbs_fg, brand.breadcrumbs_bg) >= 4.5
    assert contrast(brand.link_fg, "#ffffff") >= 4.5
    assert contrast("#ffffff", brand.button_bg) >= 4.5
    assert contrast("#ffffff", brand.button_hover_bg) >= 4.5


def test_a_dark_brand_colour_keeps_white_header_text_and_links_in_the_colour_itself():
    brand = office_brand_of(Company(brand_colour="#2f6b3a"))

    assert brand.header_fg == "#ffffff"
    assert brand.link_fg == "#2f6b3a"


def test_a_brand_colour_written_past_the_form_does_not_break_the_office(office):
    Company.objects.filter(pk=Company.load().pk).update(brand_colour="red;}")

    html = office.get(HOME).content.decode()

    assert "red;}" not in html
    assert css_variables(html, BRAND)["--brand"] == "#2f6b3a"


def test_the_company_logo_is_in_the_header(office):
    company = Company.load()
    company.logo.name = "company/greenway.png"
    company.save()

    html = office.get(HOME).content.decode()

    assert re.search(r'<a class="office-brand" [^>]*><img src="[^"]*company/greenway.png"', html)
