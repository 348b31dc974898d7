"""The outbox: every email the company sends, with how its delivery went, newest
first; one email with its headers, its preview across the page and its
attachments; and Retry sending for one that failed.

Seeing email takes mail.view_outgoingemail, retrying mail.change_outgoingemail.
Nobody edits an email here: it is the record of what the customer received.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from trellis.audit.models import AuditEntry
from trellis.customers.models import Contact
from trellis.mail.models import OutgoingEmail
from trellis.office.email_preview import (
    email_about,
    email_attachment_download,
    email_html_frame,
    email_masked_link_note,
    email_retry_and_tell,
    email_text_shown,
)
from trellis.office.guard import staff_button, staff_page
from trellis.office.lists import listing_of, url_with
from trellis.office.pages import contact_url

VIEW = "mail.view_outgoingemail"
CHANGE = "mail.change_outgoingemail"
Status = OutgoingEmail.Status
Kind = OutgoingEmail.Kind
# The statuses counted beside their filter: what may need a person. Sent is
# most of the outbox, and its count would be a scan of all of it.
COUNTED = (Status.QUEUED, Status.SENDING, Status.FAILED)


@dataclass(frozen=True)
class Filters:
    status: str
    kind: str
    contact_id: int | None
    search: str

    @classmethod
    def of(cls, request: HttpRequest) -> Filters:
        status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
        contact = request.GET.get("contact", "")
        return cls(
            status=status if status in Status.values else "",
            kind=kind if kind in Kind.values else "",
            contact_id=int(contact) if contact.isdigit() and len(contact) < 12 else None,
            search=request.GET.get("q", "").strip(),
        )

    def applied(self, emails: QuerySet[OutgoingEmail], *, status: bool = True) -> QuerySet:
        """The emails these filters choose (leaving out the status one if asked)."""
        if status and self.status:
            emails = emails.filter(status=self.status)
        if self.kind:
            emails = emails.filter(kind=self.kind)
        if self.contact_id is not None:
            emails = emails.filter(contact_id=self.contact_id)
        if self.search:
            emails = emails.filter(
                Q(to_address__icontains=self.search)
                | Q(subject__icontains=self.search)
                | Q(contact__first_name__icontains=self.search)
                | Q(contact__last_name__icontains=self.search)
                | Q(message_id=self.search)
            )
        return emails


@dataclass(frozen=True)
class StatusLink:
    label: str
    count: int | None
    url: str
    chosen: bool


@dataclass(frozen=True)
class Row:
    email: OutgoingEmail
    contact_url: str
    error_line: str


@staff_page(VIEW, methods=("GET",))
def email_list(request: HttpRequest) -> HttpResponse:
    filters = Filters.of(request)
    emails = OutgoingEmail.objects.select_related("contact").defer(
        "body_text", "body_html", "link_secret"
    )
    listing = listing_of(request, filters.applied(emails))
    contact = None
    if filters.contact_id is not None:
        contact = Contact.objects.filter(pk=filters.contact_id).first()
    context = {
        "title": "Email",
        "filters": filters,
        "listing": listing,
        "rows": [_row(email) for email in listing.rows],
        "status_links": _status_links(request, filters),
        "kinds": Kind.choices,
        "contact": contact,
        "contact_url": contact_url(contact.pk) if contact else "",
        "all_contacts_url": url_with(request, contact=None),
    }
    return TemplateResponse(request, "office/email/list.html", context)


def _row(email: OutgoingEmail) -> Row:
    error_lines = email.last_error.strip().splitlines() if email.status == Status.FAILED else []
    return Row(
        email=email,
        contact_url=contact_url(email.contact_id) if email.contact_id else "",
        error_line=error_lines[0] if error_lines else "",
    )


def _status_links(request: HttpRequest, filters: Filters) -> list[StatusLink]:
    counted = (
        filters.applied(OutgoingEmail.objects.all(), status=False)
        .filter(status__in=COUNTED)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    counts = dict(counted)
    return [
        StatusLink("All", None, url_with(request, status=None), not filters.status),
        *(
            StatusLink(
                label,
                counts.get(status, 0) if status in COUNTED else None,
                url_with(request, status=status),
                status == filters.status,
            )
            for status, label in Status.choices
        ),
    ]


@staff_page(VIEW, methods=("GET",))
def email_page(request: HttpRequest, email_id: int) -> HttpResponse:
    email = get_object_or_404(
        OutgoingEmail.objects.select_related("contact", "about_type"), pk=email_id
    )
    attachments = email.attachments.annotate(size=Length("content")).only(
        "pk", "email_id", "filename", "content_type"
    )
    context = {
        "title": email.subject or "(no subject)",
        "email": email,
        "contact_url": contact_url(email.contact_id) if email.contact_id else "",
        "about": email_about(email),
        "masked_link_note": email_masked_link_note(email),
        "attachments": attachments,
        "retries": _retries_of(email),
        "html_frame": email_html_frame(email),
        "text_shown": email_text_shown(email),
        "can_retry": email.status == Status.FAILED and request.user.has_perm(CHANGE),
    }
    return TemplateResponse(request, "office/email/email.html", context)


def _retries_of(email: OutgoingEmail) -> QuerySet[AuditEntry]:
    # The row keeps only its current series of attempts; each retry by hand
    # is in the audit log, with the count it started again from. (The content
    # type is joined, not looked up: the same queries on every visit.)
    meta = OutgoingEmail._meta
    return (
        AuditEntry.objects.filter(
            target_type__app_label=meta.app_label,
            target_type__model=meta.model_name,
            target_id=str(email.pk),
            action="email.retried",
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


@staff_page(VIEW, methods=("GET",))
def email_attachment(request: HttpRequest, email_id: int, attachment_id: int) -> HttpResponse:
    return email_attachment_download(email_id=email_id, attachment_id=attachment_id)


@staff_button(CHANGE)
def email_retry_button(request: HttpRequest, email_id: int) -> HttpResponse:
    email = get_object_or_404(OutgoingEmail, pk=email_id)
    email_retry_and_tell(request, email)
    return redirect("office:email", email_id=email.pk)
