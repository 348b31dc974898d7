"""The forms of the office's settings pages: the company's settings and an
email template's wording."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import DomainNameValidator

from trellis.company.models import Company
from trellis.mail.models import EmailTemplate

# What customers see with a portal section off (trellis/portal: the tab and the
# home page's card go, and the section's pages answer "page not found").
SECTION_OFF = {
    "proposals_enabled": "Off: customers see no Proposals tab and no proposals on their "
    "home page, and cannot approve or decline one. Nothing is deleted: switched back on, "
    "everything is there again.",
    "invoices_enabled": "Off: customers see no Invoices tab and no invoices on their home "
    "page, and cannot pay an invoice in the portal. Nothing is deleted.",
    "requests_enabled": "Off: customers see no Requests tab, cannot open a request or "
    "follow the ones they have. Nothing is deleted.",
}

SECTIONS = {
    "Branding": ["name", "logo", "brand_colour"],
    "Portal sections": list(SECTION_OFF),
    "Email sending": ["sending_address", "verified_sending_domains", "staff_notification_email"],
    "Payments": ["autopay_charge_on", "autopay_notice_days", "convenience_fee_percent"],
}

LOGO_NOT_KEPT = (
    "The logo you chose was not saved: a browser cannot keep a chosen file when a page "
    "comes back with an error. Choose it again after fixing the rest."
)


class DomainsField(forms.CharField):
    """Domains typed one per line (or separated by commas), kept as a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        domains = [part.strip().lower() for part in text.replace(",", "\n").splitlines()]
        return list(dict.fromkeys(domain for domain in domains if domain))

    def validate(self, value: Any) -> None:
        check = DomainNameValidator(message="Enter a domain like greenway.example.")
        for domain in value:
            check(domain)


class CompanySettingsForm(forms.ModelForm):
    verified_sending_domains = DomainsField(
        label="Verified sending domains",
        required=False,
        help_text="One a line, e.g. greenway.example: domains set up for sending (SPF and "
        "DKIM). Staff whose address is on one of them send invitations from their own "
        "address; everyone else's go from the sending address, with their name on them.",
    )

    class Meta:
        model = Company
        fields = [field for section in SECTIONS.values() for field in section]
        labels = {
            "name": "Company name",
            "brand_colour": "Brand colour",
            "proposals_enabled": "Show the Proposals section",
            "invoices_enabled": "Show the Invoices section",
            "requests_enabled": "Show the Requests section",
            "staff_notification_email": "Staff notification address",
            "autopay_charge_on": "Autopay charges invoices",
            "autopay_notice_days": "Autopay notice, days before the charge",
            "convenience_fee_percent": "Convenience fee for bulk charges (%)",
        }
        help_texts = {
            "name": "Shown in the portal, the office and every email.",
            "logo": "Shown at the top of the portal, the office and emails. PNG or JPEG.",
            "brand_colour": "The portal's and the office's header, links and buttons. "
            "Text on it is chosen to stay readable; links and buttons use a darker shade "
            "when the colour is too light to read.",
            "sending_address": "The From address of the portal's email, and of invitations "
            "from staff whose own domain is not verified. It must be on a domain set up for "
            "sending, or email lands in spam.",
            "staff_notification_email": "Where staff are told of portal activity: "
            "approvals, declines, new requests and comments. Empty: nobody is emailed; the "
            "inbox still lists them.",
            "autopay_charge_on": "For customers who turned autopay on: charge each new invoice "
            "on its due date, or as soon as it is published.",
            "autopay_notice_days": "When charging on the due date, customers are emailed this "
            "many days before (0 to 30). Changing it changes the words customers agree to "
            "from then on; those who agreed before keep theirs.",
            "convenience_fee_percent": "Offered when charging saved methods in bulk, shown "
            "before charging and billed as its own paid invoice. 0 for none.",
            **SECTION_OFF,
        }
        widgets = {"brand_colour": forms.TextInput(attrs={"type": "color"})}

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in SECTIONS.items()]

    def settings(self) -> dict[str, Any]:
        """The settings to save: a logo only when one was chosen or removed."""
        values = dict(self.cleaned_data)
        # Unchanged, the field gives back the saved file; False is "Clear" ticked.
        if not (values.get("logo") is False or self.files.get("logo")):
            values.pop("logo", None)
        return values


class EmailTemplateForm(forms.ModelForm):
    """The wording; EmailTemplate.clean refuses fill-in fields the kind does not offer."""

    class Meta:
        model = EmailTemplate
        fields = ["subject", "body"]
        widgets = {
            "subject": forms.TextInput(attrs={"size": 80}),
            "body": forms.Textarea(attrs={"rows": 16}),
        }
