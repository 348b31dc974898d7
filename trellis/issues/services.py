"""Writes of issues, which the portal calls requests: a customer opens one or
comments on one, with photos; staff reply in the office, publicly or not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.company.models import Company
from trellis.customers.models import Contact, Property
from trellis.inbox.models import InboxItem
from trellis.inbox.notify import StaffEmail
from trellis.inbox.services import inbox_item_add
from trellis.issues.models import Comment, Issue, Photo
from trellis.issues.photos import CheckedPhoto
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company
from trellis.refusals import Refused
from trellis.visibility import (
    PORTAL_ROLES,
    IncludeClient,
    SectionOn,
    visible_issues,
    visible_properties,
)


class RequestNotVisible(Exception):
    """The contact may not open a request on this property, or comment on this
    request. The portal answers 404: it never says that the object exists."""


# --- photos (checked by trellis.issues.photos before they come here) ----------


def _photos_save(
    *, issue: Issue, comment: Comment | None, contact: Contact, photos: Sequence[CheckedPhoto]
) -> list[Photo]:
    saved: list[Photo] = []
    try:
        for checked in photos:
            photo = Photo(
                issue=issue,
                comment=comment,
                content_type=checked.content_type,
                size=len(checked.content),
                original_name=checked.original_name,
                uploaded_by_contact=contact,
            )
            # The stored name is photo_path()'s, random; the customer's is kept apart.
            photo.image.save("photo", ContentFile(checked.content), save=False)
            saved.append(photo)
        return Photo.objects.bulk_create(saved)
    except BaseException:
        _photos_discard(saved)
        raise


def _photos_discard(photos: Sequence[Photo]) -> None:
    # A rolled-back transaction takes the rows but not the files: remove those by hand.
    for photo in photos:
        photo.image.delete(save=False)


# --- the customer, in the portal --------------------------------------------


def request_open(
    *,
    contact: Contact,
    property: Property,
    subject: str,
    description: str,
    photos: Sequence[CheckedPhoto],
) -> Issue:
    """A customer opens a request on one of their properties, with photos as
    request_photos_check() returns them.

    It is created with Include Client on, so the customer sees it at once, and
    staff are notified. RequestNotVisible if the property is not one the
    contact sees in the portal, or the Requests section is off.
    """
    company = Company.load()
    sees_property = visible_properties(contact=contact).filter(pk=property.pk).exists()
    if not (SectionOn.is_on(company, Issue) and sees_property):
        raise RequestNotVisible
    saved: list[Photo] = []
    try:
        with transaction.atomic():
            issue = Issue.objects.create(
                property=property,
                subject=subject,
                description=description,
                include_client=True,
                created_by_contact=contact,
            )
            saved = _photos_save(issue=issue, comment=None, contact=contact, photos=photos)
            audit_record(
                action="issue.opened_by_customer",
                actor=_account(contact),
                target=issue,
                data={"photos": len(saved)},
            )
            inbox_item_add(
                kind=InboxItem.Kind.REQUEST_OPENED,
                company=company,
                property=property,
                contact=contact,
                issue=issue,
                data={"excerpt": _excerpt(description), "photos": len(saved)},
                staff_email=StaffEmail(
                    template="request_opened",
                    context={"issue": issue, "contact": contact, "photo_count": len(saved)},
                ),
            )
    except BaseException:
        _photos_discard(saved)
        raise
    return issue


def request_comment(
    *, contact: Contact, issue: Issue, body: str, photos: Sequence[CheckedPhoto]
) -> Comment:
    """A customer comments on one of their requests, with photos as
    request_photos_check() returns them; what a customer writes is Public.

    A closed request takes comments too and stays closed: staff, notified, decide
    whether to open it again. RequestNotVisible if the contact does not see the
    request.
    """
    company = Company.load()
    if not visible_issues(contact=contact, company=company).filter(pk=issue.pk).exists():
        raise RequestNotVisible
    saved: list[Photo] = []
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                issue=issue, author_contact=contact, body=body, is_public=True
            )
            saved = _photos_save(issue=issue, comment=comment, contact=contact, photos=photos)
            audit_record(
                action="comment.written_by_customer",
                actor=_account(contact),
                target=comment,
                data={"issue": issue.pk, "photos": len(saved)},
            )
            inbox_item_add(
                kind=InboxItem.Kind.REQUEST_COMMENTED,
                company=company,
                property=issue.property,
                contact=contact,
                issue=issue,
                comment=comment,
                data={"excerpt": _excerpt(body), "photos": len(saved)},
                staff_email=StaffEmail(
                    template="request_commented",
                    context={
                        "issue": issue,
                        "contact": contact,
                        "comment": comment,
                        "photo_count": len(saved),
                    },
                ),
            )
    except BaseException:
        _photos_discard(saved)
        raise
    return comment


def _account(contact: Contact) -> User | None:
    account: User | None = getattr(contact, "portal_account", None)
    return account


def _excerpt(text: str) -> str:
    # The inbox shows the start of what the customer wrote; the request has all of it.
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"


# --- staff, in the office ----------------------------------------------------


def request_open_by_staff(
    *, actor: User, property: Property, subject: str, description: str, include_client: bool
) -> Issue:
    """Staff open a request on a property, say for a customer who phoned: raised
    by `actor`, and shown in the portal only with `include_client`. Audited;
    nobody is notified (the one who would be is opening it)."""
    if not actor.is_staff:
        raise ValueError("Only staff open requests from the office.")
    with transaction.atomic():
        issue = Issue.objects.create(
            property=property,
            subject=subject,
            description=description,
            include_client=include_client,
            created_by_user=actor,
        )
        audit_record(
            action="issue.opened_by_staff",
            actor=actor,
            target=issue,
            data={"include_client": include_client},
        )
    return issue


def staff_reply(*, issue: Issue, author: User, body: str, public: bool) -> Comment:
    """A staff member's comment: Public ones reach the customer in the portal,
    the others are internal notes for staff only."""
    if not author.is_staff:
        raise ValueError("Only staff reply from the office.")
    with transaction.atomic():
        comment = Comment.objects.create(
            issue=issue, author_user=author, body=body, is_public=public
        )
        audit_record(
            action="comment.written_by_staff",
            actor=author,
            target=comment,
            data={"issue": issue.pk, "public": public},
        )
    return comment


@dataclass(frozen=True)
class Reply:
    comment: Comment
    emailed: list[Contact]  # the customers told of a public reply


def request_reply(*, issue: Issue, author: User, body: str, public: bool) -> Reply:
    """The office's reply: staff_reply(), and a Public one emailed, in the same
    transaction, to each customer who reads the request in the portal (a Primary
    or Billing contact with an account, while Include Client is on), in their
    language. An internal note emails nobody."""
    with transaction.atomic():
        comment = staff_reply(issue=issue, author=author, body=body, public=public)
        emailed = _reply_email(issue=issue, comment=comment) if public else []
    return Reply(comment=comment, emailed=emailed)


def _reply_email(*, issue: Issue, comment: Comment) -> list[Contact]:
    company = Company.load()
    if not (SectionOn.is_on(company, Issue) and IncludeClient.failure(issue) is None):
        return []
    readers = list(
        Contact.objects.filter(
            roles__property_id=issue.property_id,
            roles__role__in=PORTAL_ROLES,
            portal_account__isnull=False,
        )
        .exclude(email="")
        .distinct()
    )
    link = settings.PUBLIC_BASE_URL + reverse("portal:request", args=[issue.pk])
    for contact in readers:
        email_queue_from_company(
            kind=OutgoingEmail.Kind.NOTIFICATION,
            template="request_replied",
            to=contact.email,
            language=contact.language,
            company=company,
            context={"contact": contact, "issue": issue, "comment": comment, "link": link},
            contact=contact,
            about=issue,
        )
    return readers


# --- status, Include Client and the assignee, by staff (and the import) -------


class RequestChangeRefused(Refused):
    """The request may not change this way; `message` says why, for staff."""


def _locked_issue(issue_id: int) -> Issue:
    return Issue.objects.select_for_update().get(pk=issue_id)


def _status_change(
    *, issue_id: int, actor: User | None, allowed: tuple[str, ...], to: str, action: str
) -> Issue:
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        if issue.status not in allowed:
            raise RequestChangeRefused(
                f"“{issue}” is {issue.get_status_display().lower()}, so it can't be {action}."
            )
        previous = issue.status
        issue.status = to
        # "Closed" always has its time: set here, and only here.
        issue.closed_at = timezone.now() if to == Issue.Status.CLOSED else None
        issue.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(
            action=f"issue.{action.replace(' ', '_')}",
            actor=actor,
            target=issue,
            data={"was": previous},
        )
    return issue


def request_start(*, issue_id: int, actor: User | None) -> Issue:
    """Work on an open request has begun (In progress)."""
    return _status_change(
        issue_id=issue_id,
        actor=actor,
        allowed=(Issue.Status.OPEN,),
        to=Issue.Status.IN_PROGRESS,
        action="started",
    )


def request_close(*, issue_id: int, actor: User | None) -> Issue:
    """The request is dealt with: Closed, with the time it was closed."""
    return _status_change(
        issue_id=issue_id,
        actor=actor,
        allowed=Issue.OPEN_STATUSES,
        to=Issue.Status.CLOSED,
        action="closed",
    )


def request_reopen(*, issue_id: int, actor: User | None) -> Issue:
    """A closed request is open again (say the customer wrote that the problem is back)."""
    return _status_change(
        issue_id=issue_id,
        actor=actor,
        allowed=(Issue.Status.CLOSED,),
        to=Issue.Status.OPEN,
        action="reopened",
    )


def request_include_client(*, issue_id: int, actor: User | None, include: bool) -> Issue:
    """Switch Include Client on (the customer sees the request and its Public
    comments in the portal) or off (the portal stops showing it)."""
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        if issue.include_client == include:
            state = "already has" if include else "already does not have"
            raise RequestChangeRefused(f"“{issue}” {state} Include Client checked.")
        issue.include_client = include
        issue.save(update_fields=["include_client", "updated_at"])
        audit_record(
            action="issue.include_client_on" if include else "issue.include_client_off",
            actor=actor,
            target=issue,
            data={},
        )
    return issue


def request_assign(*, issue_id: int, actor: User | None, assignee: User | None) -> Issue:
    """Give the request to a staff member to look after (`assignee` None: to
    nobody). RequestChangeRefused for someone who is not active staff, or when
    it is already as asked. Audited; nobody is emailed."""
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise RequestChangeRefused(
            f"{assignee.get_full_name() or assignee.email} is not an active staff member, "
            "so can't be given a request."
        )
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        new_id = assignee.pk if assignee is not None else None
        if issue.assignee_id == new_id:
            held = f"assigned to {assignee.get_full_name()}" if assignee else "unassigned"
            raise RequestChangeRefused(f"“{issue}” is already {held}.")
        previous = issue.assignee_id
        issue.assignee = assignee
        issue.save(update_fields=["assignee", "updated_at"])
        audit_record(
            action="issue.assigned" if assignee is not None else "issue.unassigned",
            actor=actor,
            target=issue,
            data={"assignee": new_id, "was": previous},
        )
    return issue
