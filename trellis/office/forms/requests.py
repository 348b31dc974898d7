"""The office's request forms: the list's filters, a reply, the assignee."""

from __future__ import annotations

from django import forms
from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest

from trellis.accounts.models import User
from trellis.customers.models import Property
from trellis.issues.models import Issue
from trellis.issues.selectors import issues_with_waiting_for_staff

MINE = "mine"
UNASSIGNED = "none"


def property_of(value: object) -> Property | None:
    """The property a form's `property` value names, if it names one."""
    chosen = str(value or "")
    return Property.objects.filter(pk=chosen).first() if chosen.isdigit() else None


def active_staff() -> QuerySet[User]:
    """Who a request can be given to (request_assign refuses anyone else)."""
    return User.objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or str(obj.email)


class RequestFilterForm(forms.Form):
    """The list's filters, read from the querystring; a value that makes no
    sense is ignored rather than shown as an error."""

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Subject, text, property, #"}
        ),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Not closed"), ("all", "Any status"), *Issue.Status.choices],
    )
    assignee = forms.ChoiceField(label="Assigned to", required=False)
    waiting = forms.ChoiceField(
        label="Waiting for staff",
        required=False,
        choices=[
            ("", "Answered or not"),
            ("yes", "Waiting for staff: the customer spoke last"),
            ("no", "Answered"),
        ],
    )
    property = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        staff = [(str(u.pk), u.get_full_name() or u.email) for u in active_staff()]
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ChoiceField)  # noqa: S101 (declared above)
        assignee.choices = [
            ("", "Anyone"),
            (MINE, "Me"),
            (UNASSIGNED, "Unassigned"),
            *staff,
        ]

    def value(self, name: str) -> object:
        return self.cleaned_data.get(name) if self.is_valid() else None

    def chosen_property(self) -> Property | None:
        return property_of(self.value("property"))

    def requests(self, *, viewer: User) -> QuerySet[Issue]:
        """The requests these filters choose, newest activity first (a comment
        of either kind counts), with what the list shows of each."""
        rows = Issue.objects.select_related(
            "property", "created_by_user", "created_by_contact", "assignee"
        ).annotate(
            last_activity_at=Greatest(
                "created_at", Coalesce(Max("comments__created_at"), "created_at")
            ),
            public_count=Count("comments", filter=Q(comments__is_public=True)),
            note_count=Count("comments", filter=Q(comments__is_public=False)),
        )
        if not self.is_valid():
            return rows.filter(status__in=Issue.OPEN_STATUSES).order_by(
                F("last_activity_at").desc(), "-id"
            )
        status = self.cleaned_data["status"]
        if status == "":
            rows = rows.filter(status__in=Issue.OPEN_STATUSES)
        elif status != "all":
            rows = rows.filter(status=status)
        assignee = self.cleaned_data["assignee"]
        if assignee == MINE:
            rows = rows.filter(assignee=viewer)
        elif assignee == UNASSIGNED:
            rows = rows.filter(assignee__isnull=True)
        elif assignee:
            rows = rows.filter(assignee_id=int(assignee))
        if self.cleaned_data["waiting"]:
            waiting = issues_with_waiting_for_staff(Issue.objects.all()).filter(
                Q(waiting_for_staff=True)
            )
            chosen = Q(pk__in=waiting.values("pk"))
            rows = rows.filter(chosen if self.cleaned_data["waiting"] == "yes" else ~chosen)
        if self.cleaned_data["property"]:
            rows = rows.filter(property_id=self.cleaned_data["property"])
        rows = rows.filter(_search(self.cleaned_data["q"].strip()))
        return rows.order_by(F("last_activity_at").desc(), "-id")


def _search(text: str) -> Q:
    if not text:
        return Q()
    number = text.removeprefix("#")
    found = (
        Q(subject__icontains=text)
        | Q(description__icontains=text)
        | Q(property__name__icontains=text)
    )
    return found | Q(pk=int(number)) if number.isdigit() else found


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply or note",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write something first: the reply is empty."},
    )
    visibility = forms.ChoiceField(
        label="Who reads it",
        widget=forms.RadioSelect,
        choices=[
            ("public", "Public reply (the customer is emailed)"),
            ("internal", "Internal note (staff only: never shown to the customer)"),
        ],
        # Nothing leaves the building unless staff say so.
        initial="internal",
    )

    @property
    def public(self) -> bool:
        return bool(self.cleaned_data["visibility"] == "public")


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label="Assigned to",
        queryset=active_staff(),
        required=False,
        empty_label="Nobody",
    )


class PropertyFindForm(forms.Form):
    q = forms.CharField(
        label="Find the property",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or street"}),
    )

    FOUND_AT_MOST = 20

    def found(self) -> list[Property]:
        text = self.cleaned_data["q"].strip() if self.is_valid() else ""
        if not text:
            return []
        matching = Q(name__icontains=text) | Q(street__icontains=text)
        return list(Property.objects.filter(matching).order_by("name", "id")[: self.FOUND_AT_MOST])


class RequestAddForm(forms.Form):
    property = forms.ModelChoiceField(queryset=Property.objects.all(), widget=forms.HiddenInput)
    subject = forms.CharField(max_length=200)
    description = forms.CharField(
        label="What the customer said",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    include_client = forms.BooleanField(
        label="Include Client",
        required=False,
        initial=True,
        help_text="The customer sees the request, and its Public replies, in the portal.",
    )

    def chosen_property(self) -> Property | None:
        return property_of(self["property"].value())
