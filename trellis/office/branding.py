"""The office in the company's name and colour: the header, links and buttons
take the brand colour the portal shows, in shades chosen so that their text
stays readable (WCAG's 4.5:1 for normal text) whatever colour was picked.

The colours reach the admin's stylesheet through its CSS custom properties
(--header-bg, --link-fg, …), set in trellis/templates/admin/base_site.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from trellis.company.models import Company

READABLE = 4.5
WHITE = "#ffffff"
# Dark text for light brand colours: near-black reads softer than black, and
# black is the fallback that always reaches 4.5 where white does not.
DARK_TEXTS = ("#1b1b1b", "#000000")
# The admin's light-mode page background, on which links are read.
PAGE_BACKGROUND = WHITE

RGB = tuple[float, float, float]


def _rgb(colour: str) -> RGB:
    value = colour.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


def _hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def darker(colour: str, by: float) -> str:
    """The colour mixed with black: same hue, `by` (0 to 1) of the way to black."""
    return _hex(tuple(channel * (1 - by) for channel in _rgb(colour)))  # type: ignore[arg-type]


def text_on(background: str) -> str:
    """White text if it reads on the background, else the first dark text that does."""
    if contrast_ratio(WHITE, background) >= READABLE:
        return WHITE
    return next(
        (text for text in DARK_TEXTS if contrast_ratio(text, background) >= READABLE),
        DARK_TEXTS[-1],
    )


def readable_shade(colour: str, *, against: str) -> str:
    """The colour, or the lightest darker shade of it, that reads at 4.5:1 on `against`
    (a light background: darkening only ever raises the ratio)."""
    for step in range(21):
        shade = darker(colour, step / 20)
        if contrast_ratio(shade, against) >= READABLE:
            return shade
    return "#000000"


@dataclass(frozen=True)
class OfficeBrand:
    name: str
    logo_url: str
    colour: str
    # The header (and the admin's module headings) in the brand colour itself,
    # with text chosen to read on it.
    header_bg: str
    header_fg: str
    # Breadcrumbs just below: a darker band of the same colour.
    breadcrumbs_bg: str
    breadcrumbs_fg: str
    # Links on the white page and buttons with white text: the brand colour,
    # darkened as far as needed to read.
    link_fg: str
    link_hover_fg: str
    button_bg: str
    button_hover_bg: str

    @property
    def css_everywhere(self) -> list[tuple[str, str]]:
        """The admin's CSS variables that keep the brand in light and dark mode alike."""
        return [
            ("--header-bg", self.header_bg),
            ("--header-color", self.header_fg),
            ("--header-link-color", self.header_fg),
            ("--header-branding-color", self.header_fg),
            ("--button-bg", self.button_bg),
            ("--button-hover-bg", self.button_hover_bg),
            ("--default-button-bg", self.button_hover_bg),
            ("--default-button-hover-bg", self.button_bg),
        ]

    @property
    def css_light_page(self) -> list[tuple[str, str]]:
        """The ones measured against the light page: dark mode keeps the admin's."""
        return [
            ("--primary", self.header_bg),
            ("--breadcrumbs-bg", self.breadcrumbs_bg),
            ("--breadcrumbs-fg", self.breadcrumbs_fg),
            ("--breadcrumbs-link-fg", self.breadcrumbs_fg),
            ("--link-fg", self.link_fg),
            ("--link-hover-color", self.link_hover_fg),
            ("--link-selected-fg", self.link_fg),
        ]


def office_brand_of(company: Company) -> OfficeBrand:
    colour = company.brand_colour
    # The form validates it; a value written past the form must not break every page.
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        colour = Company._meta.get_field("brand_colour").default
    colour = colour.lower()
    breadcrumbs_bg = darker(colour, 0.25)
    link = readable_shade(colour, against=PAGE_BACKGROUND)
    return OfficeBrand(
        name=company.name,
        logo_url=company.logo.url if company.logo else "",
        colour=colour,
        header_bg=colour,
        header_fg=text_on(colour),
        breadcrumbs_bg=breadcrumbs_bg,
        breadcrumbs_fg=text_on(breadcrumbs_bg),
        link_fg=link,
        link_hover_fg=darker(link, 0.3),
        # White button text on the link shade reads: both are measured against white.
        button_bg=link,
        button_hover_bg=darker(link, 0.3),
    )


def office_brand(request: HttpRequest) -> dict[str, object]:
    """Context processor: `office_brand` for the office's pages (lazy: the portal's
    pages never read it, so they never query for it)."""
    return {
        "office_brand": SimpleLazyObject(
            lambda: office_brand_of(saved_company(request) or Company())
        )
    }


_SAVED = "_office_saved_company"


def saved_company(request: HttpRequest) -> Company | None:
    """The company's settings as saved, or None before they are: read once per
    request (the header and the sidebar's add link both ask), never created,
    so showing a page writes nothing."""
    if not hasattr(request, _SAVED):
        setattr(request, _SAVED, Company.objects.filter(id=Company.SINGLETON_ID).first())
    company: Company | None = getattr(request, _SAVED)
    return company
