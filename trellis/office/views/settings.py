"""The office's settings: the company's own (branding, portal sections, email
sending) and the email templates' wording. Staff who may only view them see
the same pages without the forms' buttons."""

from __future__ import annotations

from copy import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from trellis.company.models import Company
from trellis.company.services import company_settings_update
from trellis.mail.models import EmailTemplate, OutgoingEmail
from trellis.mail.templates_service import (
    email_template_fill_ins,
    email_template_preview,
    email_template_update,
    email_templates_overview,
)
from trellis.office.branding import (
    PAGE_BACKGROUND,
    contrast_ratio,
    office_brand_of,
    saved_company,
)
from trellis.office.email_preview import email_html_frame
from trellis.office.forms.settings import (
    LOGO_NOT_KEPT,
    CompanySettingsForm,
    EmailTemplateForm,
)
from trellis.office.guard import staff_of, staff_page

VIEW_COMPANY = "company.view_company"
CHANGE_COMPANY = "company.change_company"
VIEW_TEMPLATE = "mail.view_emailtemplate"
CHANGE_TEMPLATE = "mail.change_emailtemplate"


def _may_change(request: HttpRequest, permission: str) -> bool:
    if request.method == "POST" and not request.user.has_perm(permission):
        raise PermissionDenied
    return request.user.has_perm(permission)


def _brand_preview(colour: str) -> dict[str, object]:
    brand = office_brand_of(Company(brand_colour=colour))
    return {
        "brand": brand,
        "header_ratio": contrast_ratio(brand.header_bg, brand.header_fg),
        "link_ratio": contrast_ratio(brand.link_fg, PAGE_BACKGROUND),
        "link_darkened": brand.link_fg != brand.colour,
    }


@staff_page(VIEW_COMPANY)
def settings_page(request: HttpRequest) -> HttpResponse:
    can_change = _may_change(request, CHANGE_COMPANY)
    saved = saved_company(request) or Company()
    # The form gets its own copy: checking a form writes what it can onto its
    # instance, and the page's header keeps the saved colour.
    form = CompanySettingsForm(request.POST or None, request.FILES or None, instance=copy(saved))
    colour = saved.brand_colour
    if request.method == "POST":
        if form.is_valid() and "preview" not in request.POST:
            changed = company_settings_update(actor=staff_of(request), **form.settings())
            messages.success(
                request, "Settings saved." if changed else "Nothing had changed: nothing saved."
            )
            return redirect("office:settings")
        if form.is_valid():
            colour = form.cleaned_data["brand_colour"]
        elif request.FILES.get("logo"):
            form.add_error("logo", LOGO_NOT_KEPT)
    context = {
        "title": "Settings",
        "tab": "company",
        "form": form,
        "company": saved,
        "can_change": can_change,
        "previewing": request.method == "POST",
        **_brand_preview(colour),
    }
    return TemplateResponse(request, "office/settings/company.html", context)


@staff_page(VIEW_TEMPLATE, methods=("GET",))
def email_template_list(request: HttpRequest) -> HttpResponse:
    templates, missing = email_templates_overview()
    context = {
        "title": "Email templates",
        "tab": "email-templates",
        "templates": [
            (template, email_template_fill_ins(kind=template.kind)) for template in templates
        ],
        "missing": missing,
    }
    return TemplateResponse(request, "office/settings/email_templates.html", context)


@staff_page(VIEW_TEMPLATE)
def email_template_page(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(EmailTemplate, pk=template_id)
    can_change = _may_change(request, CHANGE_TEMPLATE)
    form = EmailTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid() and "preview" not in request.POST:
        changed = email_template_update(
            actor=staff_of(request),
            template=template,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
        messages.success(
            request,
            f"{template} saved." if changed else "Nothing had changed: nothing saved.",
        )
        return redirect("office:email-template", template_id=template.pk)
    # Checked, the form's instance holds what was typed: the preview shows it.
    # With errors, the preview is of the saved wording.
    typed_and_valid = form.is_bound and form.is_valid()
    shown = template if typed_and_valid or not form.is_bound else _saved(template)
    preview = email_template_preview(template=shown, company=saved_company(request) or Company())
    context = {
        "title": str(template),
        "tab": "email-templates",
        "template": template,
        "form": form,
        "can_change": can_change,
        "fill_ins": email_template_fill_ins(kind=template.kind),
        "preview": preview,
        # The email page's frame: sandboxed, its links opening in a new tab.
        "html_frame": email_html_frame(OutgoingEmail(body_html=preview.html)),
        "previewing": typed_and_valid,
    }
    return TemplateResponse(request, "office/settings/email_template.html", context)


def _saved(template: EmailTemplate) -> EmailTemplate:
    return EmailTemplate.objects.get(pk=template.pk)
