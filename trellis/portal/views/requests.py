"""Requests in the portal: open and closed; the detail with its Public comments
and photos; opening a request and commenting on one.

Every request is loaded through `visible_issues` and its comments through
`visible_comments`, so someone else's request, or an internal note, answers
404 whatever the URL. What a request or a comment does is the business of
`trellis.issues.services`.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trellis.customers.models import Contact, Property
from trellis.issues.models import Issue
from trellis.issues.photos import CheckedPhoto, request_photos_check
from trellis.issues.responses import photo_response
from trellis.issues.selectors import issues_by_last_public_activity, issues_closed, issues_open
from trellis.issues.services import RequestNotVisible, request_comment, request_open
from trellis.portal.decorators import customer_required, section_or_404, viewer_of
from trellis.slices import DeferredJoinPaginator
from trellis.visibility import visible_comments, visible_issues, visible_properties

PER_PAGE = 20
TABS = {"open": gettext_lazy("Open"), "closed": gettext_lazy("Closed")}


# --- forms -------------------------------------------------------------------


class PhotosInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of files in one input, cleaned to photos the services take.

    Each is decoded by request_photos_check(): the browser's `accept` is only a
    hint to the file picker, and the file's name and type are the sender's say.
    `contact` is who sends them: the photos an account may send an hour are counted.
    """

    def __init__(self, *, contact: Contact, **kwargs: Any) -> None:
        kwargs.setdefault("widget", PhotosInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(required=False, **kwargs)
        self.contact = contact

    def clean(self, data: Any, initial: Any = None) -> list[CheckedPhoto]:
        uploads: list[UploadedFile] = []
        for file in data if isinstance(data, list | tuple) else [data]:
            if file:
                uploads.append(super().clean(file, initial))
        return request_photos_check(contact=self.contact, photos=uploads)


def _photos_field(contact: Contact) -> PhotosField:
    return PhotosField(
        contact=contact,
        label=_("Photos (optional)"),
        help_text=_(
            "JPEG, PNG or WebP; up to %(size)s and %(megapixels)s megapixels each, "
            "at most %(count)d at a time."
        )
        % {
            "size": filesizeformat(settings.REQUEST_PHOTO_MAX_BYTES),
            "megapixels": f"{settings.REQUEST_PHOTO_MAX_PIXELS / 1_000_000:g}",
            "count": settings.REQUEST_PHOTO_MAX_COUNT,
        },
    )


class PropertyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.address}" if obj.address else obj.name


class RequestForm(forms.Form):
    property = PropertyChoiceField(
        label=gettext_lazy("Property"),
        queryset=Property.objects.none(),
        empty_label=gettext_lazy("Choose a property"),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        help_text=gettext_lazy("What needs doing, and where on the property."),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(
        self, *args: Any, contact: Contact, properties: QuerySet[Property], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = cast(PropertyChoiceField, self.fields["property"])
        field.queryset = properties
        first_two = list(properties[:2])
        self.has_properties = bool(first_two)
        if len(first_two) == 1:  # nothing to choose: it is chosen
            field.initial, field.empty_label = first_two[0].pk, None
        self.fields["photos"] = _photos_field(contact)


class RequestCommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your comment"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"] = _photos_field(contact)


# --- views -------------------------------------------------------------------


def _visible(request: HttpRequest) -> QuerySet[Issue]:
    viewer = viewer_of(request)
    return visible_issues(contact=viewer.contact, company=viewer.company)


def _request_or_404(request: HttpRequest, pk: int) -> Issue:
    return get_object_or_404(_visible(request).select_related("property"), pk=pk)


@customer_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    section_or_404(request, Issue)
    tab = request.GET.get("status", "open")
    if tab not in TABS:
        tab = "open"
    issues = _visible(request).select_related("property")
    issues = issues_open(issues) if tab == "open" else issues_closed(issues)
    page = DeferredJoinPaginator(issues_by_last_public_activity(issues), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/request_list.html", {"page": page, "tab": tab, "tabs": TABS})


def _detail_page(
    request: HttpRequest, issue: Issue, form: RequestCommentForm, *, status: int = 200
) -> HttpResponse:
    comments = (
        visible_comments(issue=issue)
        .select_related("author_contact", "author_user")
        .prefetch_related("photos")
    )
    context = {
        "issue": issue,
        "photos": list(issue.photos.filter(comment__isnull=True)),
        "comments": list(comments),
        "form": form,
    }
    return render(request, "portal/request_detail.html", context, status=status)


@customer_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    form = RequestCommentForm(contact=viewer_of(request).contact)
    return _detail_page(request, _request_or_404(request, pk), form)


@customer_required(changes=True)
@require_POST
def request_comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    issue = _request_or_404(request, pk)
    contact = viewer_of(request).contact
    form = RequestCommentForm(request.POST, request.FILES, contact=contact)
    if form.is_valid():
        try:
            comment = request_comment(
                contact=contact,
                issue=issue,
                body=form.cleaned_data["body"],
                photos=form.cleaned_data["photos"],
            )
        except RequestNotVisible:  # the role went between loading the request and now
            raise Http404 from None
        messages.success(request, _("Your comment has been sent."))
        return redirect(f"{reverse('portal:request', args=[issue.pk])}#comment-{comment.pk}")
    return _detail_page(request, issue, form, status=400)


@customer_required(changes=True)
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    viewer = section_or_404(request, Issue)
    properties = visible_properties(contact=viewer.contact).order_by("name", "id")
    if request.method != "POST":
        form = RequestForm(contact=viewer.contact, properties=properties)
        return render(request, "portal/request_new.html", {"form": form})
    form = RequestForm(request.POST, request.FILES, contact=viewer.contact, properties=properties)
    if form.is_valid():
        try:
            issue = request_open(
                contact=viewer.contact,
                property=form.cleaned_data["property"],
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                photos=form.cleaned_data["photos"],
            )
        except RequestNotVisible:
            raise Http404 from None
        messages.success(request, _("Your request has been sent. We will answer here."))
        return redirect("portal:request", pk=issue.pk)
    return render(request, "portal/request_new.html", {"form": form}, status=400)


@customer_required
@require_GET
def request_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponseBase:
    issue = _request_or_404(request, pk)
    # The request's own photos, and those of its Public comments: never an internal note's.
    shown = Q(comment__isnull=True) | Q(comment__in=visible_comments(issue=issue))
    return photo_response(get_object_or_404(issue.photos.filter(shown), pk=photo_id))
