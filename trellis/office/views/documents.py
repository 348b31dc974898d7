"""What the office's proposal and invoice pages share: the status buttons'
panel and the button views' way of calling a service, the publishing panel
(Print, Email) with who sees the document in the portal, and the links to a
document's property and contacts. The troubleshooter uses the publishing
panel too (trellis.office.doctor_document), its Print and Email fixes posting
to these pages' buttons.

Nothing here decides anything: the services check the state and refuse in
words staff can act on (trellis.refusals.Refused, PublishRefused)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

from trellis.customers.models import Contact, Property
from trellis.documents.selectors import Document, document_recipient_role
from trellis.documents.services import (
    PublishRefused,
    attachment_filename,
    document_email,
    document_email_recipient,
    document_print,
    document_publish_check,
)
from trellis.office.guard import staff_of
from trellis.office.lists import Listing, listing_of, url_with
from trellis.office.pages import page_of
from trellis.office.redirects import redirect_next_or
from trellis.office.status_actions import (
    StatusButton,
    StatusForm,
    StatusPanel,
    status_service,
)
from trellis.office.why_visible import who_sees
from trellis.visibility import Published

D = TypeVar("D", bound=Document)

# An action's URL for one document: "record_decision" → where its button posts.
ActionUrl = Callable[[str], str]


def change_permission(document: Document) -> str:
    """What changing the document (a status, printing, emailing) needs."""
    opts = document._meta
    return f"{opts.app_label}.change_{opts.model_name}"


# --- the lists ---------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    """A document list's filters, from the query string: status, property,
    published, and a number to search for."""

    status: str
    property: Property | None
    published: str
    number: str

    @classmethod
    def of(cls, request: HttpRequest, statuses: Sequence[str]) -> ListFilters:
        status = request.GET.get("status", "")
        published = request.GET.get("published", "")
        property_id = request.GET.get("property", "")
        return cls(
            status=status if status in statuses else "",
            property=Property.objects.filter(pk=property_id).first()
            if property_id.isdigit()
            else None,
            published=published if published in ("yes", "no") else "",
            number=request.GET.get("q", "").strip(),
        )

    def apply(self, documents: QuerySet[D]) -> QuerySet[D]:
        if self.status:
            documents = documents.filter(status=self.status)
        if self.property is not None:
            documents = documents.filter(property=self.property)
        if self.published:
            published = Published.q()  # the portal's own rule
            documents = documents.filter(published if self.published == "yes" else ~published)
        if self.number:
            documents = documents.filter(Q(number__istartswith=self.number))
        return documents


@dataclass(frozen=True)
class ListRow:
    document: Document
    page_url: str
    property_url: str  # the property's page
    only_property_url: str  # this list, for the property alone


def document_list(
    request: HttpRequest,
    documents: QuerySet[D],
    *,
    pages: DocumentPages,
    template: str,
    number_example: str,
) -> HttpResponse:
    """A page of `documents` as the filters choose them, in their order."""
    statuses = documents.model.Status.choices
    filters = ListFilters.of(request, [value for value, _ in statuses])
    listing: Listing = listing_of(request, filters.apply(documents.select_related("property")))
    return TemplateResponse(
        request,
        template,
        {
            "title": str(documents.model._meta.verbose_name_plural).capitalize(),
            "kind": pages.name,
            "listing": listing,
            "rows": [
                ListRow(
                    document,
                    pages.page_url(document),
                    page_of(document.property),
                    url_with(request, property=document.property_id),
                )
                for document in listing.rows
            ],
            "filters": filters,
            "statuses": statuses,
            "number_example": number_example,
            "all_properties_url": url_with(request, property=None),
            "list_url": request.path,
            "filtered": any((filters.status, filters.property, filters.published, filters.number)),
        },
    )


# --- publishing --------------------------------------------------------------


@dataclass(frozen=True)
class PublishingPanel:
    """What a document's page shows of its publishing, and which buttons."""

    document: Document
    can_change: bool
    refusal: str  # why it can't be printed or emailed at all
    recipient: Contact | None
    email_refusal: str  # why it can't be emailed
    print_url: str
    email_url: str

    @property
    def recipient_role(self) -> str:
        return document_recipient_role(document=self.document).label

    @property
    def offer_print(self) -> bool:
        return self.can_change and not self.refusal

    @property
    def offer_email(self) -> bool:
        return self.can_change and self.recipient is not None


def publishing_panel(
    *, document: Document, can_change: bool, print_url: str, email_url: str
) -> PublishingPanel:
    """Whether the document can be printed and emailed, to whom, and if not why
    (the publishing services' own checks)."""
    refusal = ""
    try:
        document_publish_check(document=document)
    except PublishRefused as refused:
        refusal = refused.message
    recipient, email_refusal = None, refusal
    if not refusal:
        try:
            recipient = document_email_recipient(document=document)
        except PublishRefused as refused:
            email_refusal = refused.message
    return PublishingPanel(
        document=document,
        can_change=can_change,
        refusal=refusal,
        recipient=recipient,
        email_refusal=email_refusal,
        print_url=print_url,
        email_url=email_url,
    )


def print_response(request: HttpRequest, document: Document) -> HttpResponse | None:
    """Print the document: its PDF, to download; or None, having said why not."""
    try:
        pdf = document_print(document=document, actor=staff_of(request))
    except PublishRefused as refusal:
        messages.error(request, refusal.message)
        return None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=attachment_filename(document))
        or "attachment"
    )
    return response


def email_and_say(request: HttpRequest, document: Document) -> None:
    """Email the document to its customer (through the outbox), and say to whom or why not."""
    try:
        email = document_email(document=document, actor=staff_of(request))
    except PublishRefused as refusal:
        messages.error(request, refusal.message)
    else:
        name = email.contact.full_name if email.contact else email.to_address
        messages.success(request, f"Emailed {document} to {name} ({email.to_address}).")


# --- a document's page and its buttons ----------------------------------------


@dataclass(frozen=True)
class DocumentPages:
    """One kind of document's office pages: its URL names (office:<name>…),
    and the status buttons and note its state offers."""

    name: str
    buttons: Callable[..., list[StatusButton]]  # (document, *, posted, url) → the buttons
    note: Callable[[Any], str]

    def page_url(self, document: Document) -> str:
        return reverse(f"office:{self.name}", args=[document.pk])

    def action_url(self, document: Document) -> ActionUrl:
        return lambda action: reverse(
            f"office:{self.name}-{action.replace('_', '-')}", args=[document.pk]
        )

    def back(self, request: HttpRequest, document: Document) -> HttpResponseRedirect:
        """Back to the document's page (Post/Redirect/Get), or to the `next` the button posted."""
        return redirect_next_or(request, self.page_url(document))

    def page(
        self,
        request: HttpRequest,
        document: Document,
        template: str,
        context: dict[str, Any],
        *,
        posted: StatusForm | None = None,
    ) -> TemplateResponse:
        """The document's page; `posted` is a button's form posted with a
        mistake, shown again as typed, with its errors, in its button's place."""
        can_change = request.user.has_perm(change_permission(document))
        url = self.action_url(document)
        status = StatusPanel(
            status=document.get_status_display(),
            can_change=can_change,
            buttons=self.buttons(document, posted=posted, url=url) if can_change else [],
            note=self.note(document),
        )
        return TemplateResponse(
            request,
            template,
            {
                **context,
                "document": document,
                "document_kinds": document._meta.verbose_name_plural,
                "property_url": page_of(document.property),
                "status_panel": status,
                "publishing": publishing_panel(
                    document=document,
                    can_change=can_change,
                    print_url=url("print"),
                    email_url=url("email"),
                ),
                "who_sees_this": [(row, page_of(row.contact)) for row in who_sees(document)],
            },
        )

    def service_button(
        self,
        request: HttpRequest,
        document: Document,
        service: Callable[..., Any],
        done: str,
        *,
        reason: bool = False,
    ) -> HttpResponseRedirect:
        """A button calling one status service for the document
        (status_service); back to its page, whatever the service answered."""
        status_service(request, service, document, done, id_name=f"{self.name}_id", reason=reason)
        return self.back(request, document)

    def print_button(self, request: HttpRequest, document: Document) -> HttpResponse:
        return print_response(request, document) or self.back(request, document)

    def email_button(self, request: HttpRequest, document: Document) -> HttpResponse:
        email_and_say(request, document)
        return self.back(request, document)
