"""The email templates staff edit: what each kind's fill-in fields mean, a
preview with example values, and saving a change."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from trellis.accounts.models import User
from trellis.audit.services import audit_fields_changed
from trellis.company.models import Company
from trellis.mail.compose import Composed, compose_with
from trellis.mail.models import EmailTemplate

# Each fill-in field: what it becomes in the email, and an example for previews.
FILL_IN_MEANINGS: dict[str, tuple[str, str]] = {
    "first_name": ("The contact's first name", "Maria"),
    "last_name": ("The contact's last name", "Lopez"),
    "company_name": ("The company's name, from the company settings", ""),
    "inviter_name": ("The name of the staff member who sends the invitation", "Jane Smith"),
    "invitation_link": (
        "The link that creates the contact's portal account (required)",
        "https://portal.example/invitation/example-link/",
    ),
    "expires_on": ("The date the link stops working", "December 8, 2026"),
}


@dataclass(frozen=True)
class FillIn:
    name: str
    meaning: str

    @property
    def placeholder(self) -> str:
        return "{" + self.name + "}"


def email_template_fill_ins(*, kind: str) -> list[FillIn]:
    """The fill-in fields a kind of template accepts, in the order it offers them."""
    return [
        FillIn(name, FILL_IN_MEANINGS.get(name, (name, ""))[0])
        for name in EmailTemplate.FILL_INS.get(kind, ())
    ]


def email_templates_overview() -> tuple[list[EmailTemplate], list[tuple[str, str]]]:
    """Every template, and the (kind, language) labels of those not set up:
    emails of those go out in the kind's English wording."""
    templates = list(EmailTemplate.objects.all())
    saved = {(template.kind, template.language) for template in templates}
    languages = EmailTemplate._meta.get_field("language").choices or []
    missing = [
        (str(kind_label), str(language_label))
        for kind, kind_label in EmailTemplate.Kind.choices
        for language, language_label in languages
        if (kind, language) not in saved
    ]
    return templates, missing


def email_template_preview(*, template: EmailTemplate, company: Company) -> Composed:
    """The email `template` (saved or as typed) gives, with example values."""
    values = {name: example for name, (_, example) in FILL_IN_MEANINGS.items()}
    values["company_name"] = company.name
    return compose_with(
        template=template, language=template.language, values=values, company=company
    )


def email_template_update(
    *, actor: User | None, template: EmailTemplate, subject: str, body: str
) -> list[str]:
    """Save new wording for the template and return the fields that changed; an
    audit entry "email_template.changed" names them, as the admin does.

    Raises ValidationError for an unknown fill-in field or, in an invitation,
    a body without {invitation_link} (EmailTemplate.clean)."""
    with transaction.atomic():
        template = EmailTemplate.objects.select_for_update().get(pk=template.pk)
        changed = [
            name
            for name, value in (("subject", subject), ("body", body))
            if getattr(template, name) != value
        ]
        if not changed:
            return []
        template.subject, template.body = subject, body
        template.full_clean()
        template.save()
        audit_fields_changed(
            action="email_template.changed", target=template, actor=actor, fields=changed
        )
    return changed
