"""Subjects and bodies of the emails Trellis sends, in the recipient's language.

Two kinds: emails whose words staff edit (an EmailTemplate with fill-in fields
in braces) and emails whose words are ours (Django templates under
templates/mail/, translated like the rest of the portal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.defaultfilters import linebreaks_filter, urlize
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from trellis.company.models import Company
from trellis.mail.headers import header_safe
from trellis.mail.models import FILL_IN, EmailTemplate

DEFAULT_TEMPLATES: dict[tuple[str, str], tuple[str, str]] = {
    (EmailTemplate.Kind.INVITATION, "en"): (
        "{inviter_name} invited you to the {company_name} customer portal",
        "Hello {first_name},\n\n"
        "{inviter_name} of {company_name} has invited you to our customer portal, where "
        "you can approve proposals, pay invoices and follow your service requests.\n\n"
        "Create your account here:\n{invitation_link}\n\n"
        "The link works once and expires on {expires_on}. If it has expired, ask us "
        "for a new invitation.\n\n"
        "{company_name}",
    ),
    (EmailTemplate.Kind.INVITATION, "es"): (
        "{inviter_name} le invitó al portal de clientes de {company_name}",
        "Hola {first_name}:\n\n"
        "{inviter_name}, de {company_name}, le ha invitado a nuestro portal de clientes, "
        "donde puede aprobar propuestas, pagar facturas y seguir sus solicitudes de "
        "servicio.\n\n"
        "Cree su cuenta aquí:\n{invitation_link}\n\n"
        "El enlace funciona una sola vez y caduca el {expires_on}. Si ha caducado, "
        "pídanos una nueva invitación.\n\n"
        "{company_name}",
    ),
}


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def fill_in(text: str, values: dict[str, str]) -> str:
    """Replace {name} with its value; braces around anything else stay as typed."""
    return FILL_IN.sub(lambda m: values.get(m[1], m[0]), text)


def email_template_for(*, kind: str, language: str) -> EmailTemplate:
    template = EmailTemplate.objects.filter(kind=kind, language=language).first()
    if template is None:
        template = EmailTemplate.objects.filter(kind=kind, language="en").first()
    if template is None:
        subject, body = DEFAULT_TEMPLATES[(kind, "en")]
        template = EmailTemplate(kind=kind, language="en", subject=subject, body=body)
    return template


def email_templates_ensure_defaults() -> None:
    """Give staff the default wording to edit; never overwrite their edits."""
    for (kind, language), (subject, body) in DEFAULT_TEMPLATES.items():
        EmailTemplate.objects.get_or_create(
            kind=kind, language=language, defaults={"subject": subject, "body": body}
        )


def _as_html(text: str) -> str:
    return str(linebreaks_filter(urlize(escape(text), autoescape=False), autoescape=False))


def compose_from_template(
    *, kind: str, language: str, values: dict[str, str], company: Company
) -> Composed:
    template = email_template_for(kind=kind, language=language)
    return compose_with(template=template, language=language, values=values, company=company)


def compose_with(
    *, template: EmailTemplate, language: str, values: dict[str, str], company: Company
) -> Composed:
    """The email `template` gives with `values` filled in (saved or not: the
    office previews what staff typed)."""
    text = fill_in(template.body, values)
    subject = header_safe(fill_in(template.subject, values))
    html = render_to_string(
        "mail/layout.html",
        {"company": company, "body": mark_safe(_as_html(text)), "language": language},  # noqa: S308 (escaped above)
    )
    return Composed(subject=subject, text=text, html=html)


def compose_from_files(
    *, name: str, language: str, context: dict[str, Any], company: Company
) -> Composed:
    """Render templates/mail/<name>_subject.txt, _body.txt and _body.html."""
    context = {**context, "company": company, "language": language}
    with translation.override(language):
        subject = render_to_string(f"mail/{name}_subject.txt", context)
        text = render_to_string(f"mail/{name}_body.txt", context)
        html = render_to_string(f"mail/{name}_body.html", context)
    # A subject holds names and titles people typed: one line, whatever they held.
    return Composed(subject=header_safe(subject), text=text.strip() + "\n", html=html)
