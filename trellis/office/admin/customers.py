from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, When
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from trellis.accounts.invitations import contacts_invite
from trellis.accounts.models import User
from trellis.accounts.profile import contact_email_changed, contact_email_check
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.services import property_set_roles
from trellis.office import contact_payment_method, contact_portal, contact_search, doctor, view_as
from trellis.office.admin.audit import AuditedAdminMixin
from trellis.office.filters import YesNoFilter

Role = PropertyContact.Role


class PortalVerifiedFilter(YesNoFilter):
    title = "portal verified"
    parameter_name = "verified"

    # `portal_verified` is annotated by ContactAdmin.get_queryset.
    def yes(self) -> Q:
        return Q(portal_verified=True)

    def no(self) -> Q:
        return Q(portal_verified=False)


class PropertyFilter(admin.SimpleListFilter):
    """Contacts holding a role on one property. Listing every property here
    would make the sidebar as long as the property list, so the filter is
    reached from the property list's "contacts" link and only shows itself
    once chosen."""

    title = "property"
    parameter_name = "property"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if value is None or not value.isdigit():
            return []
        return [(str(p.pk), p.name) for p in Property.objects.filter(pk=value)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value is None:
            return None
        roles = PropertyContact.objects.filter(contact=OuterRef("pk"), property_id=value)
        return queryset.filter(Exists(roles))


class ContactRolesInline(admin.TabularInline):
    """A contact's roles, for reading: they are set on the property's page,
    where the whole set of a property's roles is checked at once. Shown as a
    plain table, one row per property with its address and the roles held
    (Django's own inline heads each row with the role's raw name)."""

    model = PropertyContact
    fields = ["property", "role"]
    readonly_fields = ["property", "role"]
    verbose_name = "role on a property"
    verbose_name_plural = "roles on properties (set them on the property's page)"
    extra = 0
    template = "office/contact_roles_inline.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PropertyContact]:
        # Grouped by property in the template, roles in their own order (Primary first).
        role_order = Case(*(When(role=role, then=n) for n, role in enumerate(Role.values)))
        return (
            super()
            .get_queryset(request)
            .select_related("property")
            .order_by("property__name", "property_id", role_order)
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "email", "phone", "company_name", "language"]
        fields += ["external_id"]

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if self.instance.pk and User.objects.filter(contact=self.instance).exists():
            # The email is this customer's portal sign-in: it must stay usable and theirs.
            if not email:
                raise forms.ValidationError(
                    "This contact signs in to the portal with its email, so it cannot be empty."
                )
            email = contact_email_check(contact=self.instance, email=email)
        return email


@admin.register(Contact)
class ContactAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = ContactForm
    # Five columns, short headers: the list with its filters fits a 1366 px
    # screen (tested in Chromium). A contact's record dates are on its page.
    list_display = ["full_name", "email_address", "phone", "company", "portal_verified"]
    list_filter = [PortalVerifiedFilter, "roles__role", PropertyFilter]
    search_fields = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "company_name",
        "=external_id",
        "roles__property__name",
    ]
    ordering = ["last_name", "first_name", "id"]
    readonly_fields = [
        "portal_verified",
        "portal_verified_since",
        "last_sign_in",
        "created_at",
        "updated_at",
    ]
    inlines = [ContactRolesInline]
    actions = ["send_portal_invites"]
    # The change page adds the invitations and the invite and password reset buttons.
    change_form_template = "office/contact_change_form.html"
    change_list_template = "office/contact_change_list.html"

    class Media:
        css = {"all": ["office/contacts.css"]}

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        old_email = Contact.objects.values_list("email", flat=True).get(pk=obj.pk) if change else ""
        super().save_model(request, obj, form, change)
        if change and old_email != obj.email:
            contact_email_changed(
                contact=obj,
                old_email=old_email,
                changed_by=request.user if isinstance(request.user, User) else None,
            )

    def get_urls(self) -> list[URLPattern]:
        def view(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            return self.admin_site.admin_view(partial(func, model_admin=self))

        # (route, view, name): each named admin:customers_contact_<name>.
        pages: list[tuple[str, Callable[..., HttpResponse], str]] = [
            ("search/", contact_search.search_view, "search"),
            ("search/export/", contact_search.export_view, "search_export"),
            ("<path:object_id>/invite/", contact_portal.invite_view, "invite"),
            (
                "<path:object_id>/password-reset/",
                contact_portal.password_reset_view,
                "password_reset",
            ),
            (
                "<path:object_id>/payment-method/",
                contact_payment_method.payment_method_view,
                "payment_method",
            ),
            ("<path:object_id>/view-as/", view_as.view_as_view, "view_as"),
            ("<path:object_id>/troubleshoot/", doctor.troubleshoot_view, "troubleshoot"),
        ]
        return [
            *(
                path(route, view(func), name=f"customers_contact_{name}")
                for route, func, name in pages
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        contact = self.get_object(request, unquote(object_id))
        if contact is not None:
            panel = contact_portal.portal_panel(request, contact)
            methods = contact_payment_method.payment_methods_panel(request, contact)
            extra_context = {
                **(extra_context or {}),
                "portal": panel,
                "payment_methods": methods,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_invite_permission(self, request: HttpRequest) -> bool:
        return contact_portal.can_invite(request)

    @admin.action(description="Send Customer Portal invite", permissions=["invite"])
    def send_portal_invites(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        outcomes = contacts_invite(contacts=queryset, invited_by=contact_portal.staff_user(request))
        contact_portal.report_invite_outcomes(request, outcomes)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        # Verified is the existence of a portal account: one subquery, so the
        # list costs the same whatever its length.
        accounts = User.objects.filter(contact=OuterRef("pk"))
        return super().get_queryset(request).annotate(portal_verified=Exists(accounts))

    def get_fieldsets(self, request: HttpRequest, obj: Contact | None = None) -> Any:
        fieldsets: list[Any] = [
            (None, {"fields": [*ContactForm.Meta.fields[:-1]]}),
        ]
        if obj is not None:
            # Customer portal comes last: the change page continues it with
            # the invitations and the buttons (office/contact_change_form.html).
            fieldsets.append(("Record", {"fields": ["external_id", "created_at", "updated_at"]}))
            portal = ["portal_verified", "portal_verified_since", "last_sign_in"]
            fieldsets.append(("Customer portal", {"fields": portal}))
        else:
            fieldsets.append(("Record", {"fields": ["external_id"]}))
        return fieldsets

    @admin.display(description="name", ordering="last_name")
    def full_name(self, contact: Contact) -> str:
        return contact.full_name

    @admin.display(description="email", ordering="email")
    def email_address(self, contact: Contact) -> str:
        # A long address may break after its @ rather than push the list wide.
        local, at, domain = contact.email.partition("@")
        if not at:
            return contact.email or self.get_empty_value_display()
        return format_html("{}@<wbr>{}", local, domain)

    @admin.display(description="company", ordering="company_name")
    def company(self, contact: Contact) -> str:
        return contact.company_name or self.get_empty_value_display()

    @admin.display(boolean=True, description="portal verified", ordering="portal_verified")
    def portal_verified(self, contact: Contact) -> bool:
        return bool(contact.portal_verified)  # type: ignore[attr-defined]

    @admin.display(description="verified since")
    def portal_verified_since(self, contact: Contact) -> str | None:
        try:
            joined = contact.portal_account.date_joined
        except ObjectDoesNotExist:
            return None
        return date_format(timezone.localtime(joined), "DATETIME_FORMAT")

    @admin.display(description="last sign-in to the portal")
    def last_sign_in(self, contact: Contact) -> str | None:
        try:
            last_login = contact.portal_account.last_login
        except ObjectDoesNotExist:
            return None
        if last_login is None:
            return "Never"
        return date_format(timezone.localtime(last_login), "DATETIME_FORMAT")


class RolesFormSet(BaseInlineFormSet):
    """A property's roles, checked as a whole and saved by `property_set_roles`,
    so that staff can swap who is Primary and who is Billing in one save."""

    def roles(self) -> list[tuple[Contact, str]]:
        return [
            (form.cleaned_data["contact"], form.cleaned_data["role"])
            for form in self.forms
            if form.cleaned_data and form not in self.deleted_forms
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        held = Counter(role for _, role in self.roles())
        for role in (Role.PRIMARY, Role.BILLING):
            if held[role] > 1:
                raise ValidationError(f"A property has one {role.label} contact at most.")

    def save(self, commit: bool = True) -> list[Any]:
        # Without commit, this only lists what was added, changed and deleted
        # for the admin's change message (and the audit entry).
        saved = super().save(commit=False)
        if commit:
            property_set_roles(property=self.instance, roles=self.roles())
        return saved


class PropertyRolesInline(admin.TabularInline):
    model = PropertyContact
    formset = RolesFormSet
    fields = ["contact", "role"]
    autocomplete_fields = ["contact"]
    verbose_name = "contact role"
    verbose_name_plural = "contact roles (only Primary and Billing see the property in the portal)"
    extra = 1


class MissingRoleFilter(admin.SimpleListFilter):
    """A property with no Primary or Billing contact is seen by nobody in the portal."""

    title = "portal contacts"
    parameter_name = "missing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(Role.PRIMARY, "No Primary contact"), (Role.BILLING, "No Billing contact")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() not in (Role.PRIMARY, Role.BILLING):
            return None
        held = PropertyContact.objects.filter(property=OuterRef("pk"), role=self.value())
        return queryset.filter(~Exists(held))


@admin.register(Property)
class PropertyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "address",
        "primary_contact",
        "billing_contact",
        "contacts_link",
        "updated_at",
    ]
    list_filter = [MissingRoleFilter, "city", "region"]
    search_fields = [
        "name",
        "street",
        "city",
        "postal_code",
        "=external_id",
        "roles__contact__last_name",
        "roles__contact__email",
    ]
    ordering = ["name", "id"]
    fields = ["name", "street", "city", "region", "postal_code", "external_id"]
    inlines = [PropertyRolesInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Property]:
        # The Primary and Billing contacts of a whole page in one more query.
        portal_roles = PropertyContact.objects.filter(
            role__in=[Role.PRIMARY, Role.BILLING]
        ).select_related("contact")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("roles", queryset=portal_roles, to_attr="portal_roles"))
        )

    def _holder(self, prop: Property, role: str) -> Contact | None:
        held = (pc.contact for pc in prop.portal_roles if pc.role == role)  # type: ignore[attr-defined]
        return next(held, None)

    @admin.display(description="primary contact")
    def primary_contact(self, prop: Property) -> Contact | None:
        return self._holder(prop, Role.PRIMARY)

    @admin.display(description="billing contact")
    def billing_contact(self, prop: Property) -> Contact | None:
        return self._holder(prop, Role.BILLING)

    @admin.display(description="contacts")
    def contacts_link(self, prop: Property) -> str:
        url = reverse("admin:customers_contact_changelist")
        return format_html('<a href="{}?property={}">Contacts</a>', url, prop.pk)


@admin.register(PropertyContact)
class PropertyContactAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_name = "property_contact"
    list_display = ["property", "contact", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["property", "contact"]
    search_fields = [
        "property__name",
        "contact__first_name",
        "contact__last_name",
        "contact__email",
    ]
    autocomplete_fields = ["property", "contact"]
    ordering = ["property__name", "role", "id"]
