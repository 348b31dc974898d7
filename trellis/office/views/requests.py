"""The office's requests (the model is trellis.issues.Issue; staff and customers
say "request"): the list, a request's page with its conversation, and the
buttons on it. Every change is a service of trellis.issues.services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from trellis.accounts.models import User
from trellis.issues.models import Comment, Issue, Photo
from trellis.issues.responses import photo_response
from trellis.issues.services import (
    RequestChangeRefused,
    request_assign,
    request_close,
    request_include_client,
    request_open_by_staff,
    request_reopen,
    request_reply,
    request_start,
)
from trellis.office.forms.requests import (
    AssignForm,
    PropertyFindForm,
    ReplyForm,
    RequestAddForm,
    RequestFilterForm,
)
from trellis.office.guard import staff_button, staff_of, staff_page
from trellis.office.lists import listing_of, url_with
from trellis.office.pages import contact_url, page_url, property_url
from trellis.office.redirects import redirect_next_or
from trellis.office.why_visible import who_sees


@staff_page("issues.view_issue", methods=("GET",))
def request_list(request: HttpRequest) -> HttpResponse:
    filters = RequestFilterForm(request.GET)
    listing = listing_of(request, filters.requests(viewer=staff_of(request)))
    return TemplateResponse(
        request,
        "office/requests/list.html",
        {
            "title": "Requests",
            "filters": filters,
            "listing": listing,
            "chosen_property": filters.chosen_property(),
            "all_properties_url": url_with(request, property=None),
        },
    )


@staff_page("issues.add_issue")
def request_add(request: HttpRequest) -> HttpResponse:
    """A request staff open, say for a customer who phoned: first find the
    property (?q=…, or come with ?property=<id>), then say what it is about."""
    if request.method == "POST":
        form = RequestAddForm(request.POST)
        if form.is_valid():
            issue = request_open_by_staff(actor=staff_of(request), **form.cleaned_data)
            messages.success(request, f"The request “{issue}” is open.")
            return redirect("office:request", request_id=issue.pk)
    else:
        form = RequestAddForm(initial={"property": request.GET.get("property")})
    finder = PropertyFindForm(request.GET)
    return TemplateResponse(
        request,
        "office/requests/add.html",
        {
            "title": "New request",
            "form": form,
            "finder": finder,
            "found": finder.found(),
            "property": form.chosen_property(),
        },
    )


@staff_page("issues.view_issue", methods=("GET",))
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _request_page(request, _request_of(request_id), ReplyForm())


def _request_of(request_id: int) -> Issue:
    return get_object_or_404(
        Issue.objects.select_related(
            "property", "created_by_user", "created_by_contact", "assignee"
        ),
        pk=request_id,
    )


def _request_page(request: HttpRequest, issue: Issue, reply_form: ReplyForm) -> HttpResponse:
    comments, request_photos = _conversation(issue)
    contact = issue.created_by_contact
    return TemplateResponse(
        request,
        "office/requests/request.html",
        {
            "title": issue.subject,
            "issue": issue,
            "comments": comments,
            "request_photos": request_photos,
            "property_url": property_url(issue.property_id),
            "contact_url": contact_url(contact.pk) if contact else "",
            "reply_form": reply_form,
            "assign_form": AssignForm(initial={"assignee": issue.assignee_id}),
            "who_sees_this": [(row, contact_url(row.contact.pk)) for row in who_sees(issue)],
        },
    )


def _conversation(issue: Issue) -> tuple[list[Comment], list[Photo]]:
    """The request's comments, each with the photos attached to it (`attached`),
    and the photos attached to the request itself: two queries, however many."""
    comments = list(issue.comments.select_related("author_user", "author_contact"))
    photos_of: dict[int | None, list[Photo]] = defaultdict(list)
    for photo in issue.photos.all():
        photos_of[photo.comment_id].append(photo)
    for comment in comments:
        comment.attached = photos_of.get(comment.pk, [])  # type: ignore[attr-defined]
    return comments, photos_of.get(None, [])


@staff_page("issues.view_issue", methods=("GET",))
def request_photo(request: HttpRequest, request_id: int, photo_id: int) -> HttpResponseBase:
    issue = get_object_or_404(Issue, pk=request_id)
    return photo_response(get_object_or_404(Photo, pk=photo_id, issue=issue))


# --- the buttons ------------------------------------------------------------


@staff_button("issues.view_issue", "issues.add_comment")
def request_reply_add(request: HttpRequest, request_id: int) -> HttpResponse:
    issue = _request_of(request_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _request_page(request, issue, form)
    reply = request_reply(
        issue=issue, author=staff_of(request), body=form.cleaned_data["body"], public=form.public
    )
    if reply.emailed:
        names = ", ".join(contact.full_name for contact in reply.emailed)
        messages.success(request, f"Your reply is in the conversation, and emailed to {names}.")
    elif form.public:
        messages.warning(
            request,
            "Your reply is in the conversation, but no customer reads this request in "
            "the portal, so nobody was emailed.",
        )
    else:
        messages.success(request, "Your internal note is saved: only staff see it.")
    return redirect("office:request", request_id=issue.pk)


StatusService = Callable[..., Issue]


def _change(
    request: HttpRequest,
    request_id: int,
    change: StatusService,
    said: str,
    *,
    refused: Callable[[HttpRequest, str], None] = messages.error,
) -> HttpResponse:
    issue = get_object_or_404(Issue, pk=request_id)
    try:
        change(issue_id=issue.pk, actor=staff_of(request))
    except RequestChangeRefused as refusal:
        refused(request, refusal.message)
    else:
        messages.success(request, said.replace("{}", str(issue)))
    # Back to the request, or to the page the button was on (the troubleshooter's
    # Include Client fix names the contact's troubleshoot page).
    return redirect_next_or(request, page_url("request", issue.pk))


@staff_button("issues.change_issue")
def request_start_button(request: HttpRequest, request_id: int) -> HttpResponse:
    return _change(
        request, request_id, request_start, "Work has started on “{}”: it is in progress."
    )


@staff_button("issues.change_issue")
def request_close_button(request: HttpRequest, request_id: int) -> HttpResponse:
    return _change(request, request_id, request_close, "“{}” is closed.")


@staff_button("issues.change_issue")
def request_reopen_button(request: HttpRequest, request_id: int) -> HttpResponse:
    return _change(request, request_id, request_reopen, "“{}” is open again.")


@staff_button("issues.change_issue")
def request_include_client_button(request: HttpRequest, request_id: int) -> HttpResponse:
    """Include Client on, or off with `include=off` (the troubleshooter's button
    sends nothing: it only ever switches it on)."""
    include = request.POST.get("include", "on") != "off"

    def switch(*, issue_id: int, actor: User) -> Issue:
        return request_include_client(issue_id=issue_id, actor=actor, include=include)

    if include:
        said = (
            "Include Client is now on: the customer sees “{}” and its Public replies in the portal."
        )
    else:
        said = "Include Client is now off: “{}” is no longer shown in the portal."
    # Refused only when it already is as asked: news, with nothing to put right.
    return _change(request, request_id, switch, said, refused=messages.info)


@staff_button("issues.change_issue")
def request_assign_button(request: HttpRequest, request_id: int) -> HttpResponse:
    form = AssignForm(request.POST)
    if not form.is_valid():
        issue = get_object_or_404(Issue, pk=request_id)
        messages.error(request, "Choose an active staff member from the list.")
        return redirect("office:request", request_id=issue.pk)
    assignee = form.cleaned_data["assignee"]

    def assign(*, issue_id: int, actor: User) -> Issue:
        return request_assign(issue_id=issue_id, actor=actor, assignee=assignee)

    if assignee is None:
        said = "“{}” is now unassigned."
    else:
        said = f"“{{}}” is now assigned to {assignee.get_full_name() or assignee.email}."
    return _change(request, request_id, assign, said)
