import pytest
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.company.models import Company
from trellis.issues.tests.photos import png
from trellis.mail.models import EmailTemplate
from trellis.office.forms.settings import LOGO_NOT_KEPT
from trellis.office.tests.query_counts import assert_queries_do_not_grow, queries_of
from trellis.office.tests.settings_world import staff_holding

pytestmark = pytest.mark.django_db

SETTINGS = reverse("office:settings")
TEMPLATES = reverse("office:email-templates")
VIEW_COMPANY = "company.view_company"
CHANGE_COMPANY = "company.change_company"
VIEW_TEMPLATE = "mail.view_emailtemplate"
CHANGE_TEMPLATE = "mail.change_emailtemplate"


def settings_posted(company: Company, **changes: object) -> dict[str, object]:
    """The settings form as a browser posts it, unchanged but for `changes`."""
    data: dict[str, object] = {
        "name": company.name,
        "brand_colour": company.brand_colour,
        "sending_address": company.sending_address,
        "verified_sending_domains": "\n".join(company.verified_sending_domains),
        "staff_notification_email": company.staff_notification_email,
        "autopay_charge_on": company.autopay_charge_on,
        "autopay_notice_days": company.autopay_notice_days,
        "convenience_fee_percent": company.convenience_fee_percent,
        **{
            flag: "on"
            for flag in ("proposals_enabled", "invoices_enabled", "requests_enabled")
            if getattr(company, flag)
        },
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def invitation(language: str = "en") -> EmailTemplate:
    return EmailTemplate.objects.update_or_create(
        kind=EmailTemplate.Kind.INVITATION,
        language=language,
        defaults={"subject": "Join {company_name}", "body": "Here: {invitation_link}"},
    )[0]


def invitation_and_page() -> tuple[EmailTemplate, str]:
    template = invitation()
    return template, reverse("office:email-template", kwargs={"template_id": template.pk})


def assert_unchanged(template: EmailTemplate) -> None:
    template.refresh_from_db()
    assert (template.subject, template.body) == ("Join {company_name}", "Here: {invitation_link}")
    assert not AuditEntry.objects.filter(action="email_template.changed").exists()


# --- The company's settings --------------------------------------------------


def test_the_settings_show_each_section_with_what_each_setting_is_for(office, greenway):
    response = office.get(SETTINGS)

    assert response.status_code == 200
    for words in (
        "Branding",
        "Portal sections",
        "Email sending",
        "Off: customers see no Requests tab",
        "Where staff are told of portal activity",
        "Staff whose address is on one of them send invitations from their own",
        'aria-current="page">Company</a>',
        "Save settings",
    ):
        assert words in response.text
    assert "greenway.example</textarea>" in response.text


def test_staff_who_may_only_view_see_the_settings_without_a_form(client, greenway):
    client.force_login(staff_holding(VIEW_COMPANY))

    response = client.get(SETTINGS)

    assert response.status_code == 200
    assert "Greenway Landscaping" in response.text
    assert "portal@greenway.example" in response.text
    assert "Save settings" not in response.text
    assert '<form method="post" enctype' not in response.text


def test_staff_without_the_view_permission_are_refused(client, greenway):
    client.force_login(staff_holding(VIEW_TEMPLATE))
    assert client.get(SETTINGS).status_code == 403


def test_viewing_staff_cannot_post_a_change(client, greenway):
    client.force_login(staff_holding(VIEW_COMPANY))

    response = client.post(SETTINGS, settings_posted(greenway, name="Taken Over"))

    assert response.status_code == 403
    assert Company.load().name == "Greenway Landscaping"


def test_saving_changes_the_settings_through_the_audited_service(office, greenway, staff):
    posted = settings_posted(
        greenway,
        name="Greenway Gardens",
        verified_sending_domains="greenway.example\nMail.Greenway.example",
        requests_enabled=None,
    )

    response = office.post(SETTINGS, posted, follow=True)

    company = Company.load()
    assert response.redirect_chain == [(SETTINGS, 302)]
    assert "Settings saved." in response.text
    assert company.name == "Greenway Gardens"
    assert company.verified_sending_domains == ["greenway.example", "mail.greenway.example"]
    assert company.requests_enabled is False
    entry = AuditEntry.objects.get(action="company.changed")
    assert entry.actor == staff
    assert entry.data["changes"][0]["changed"]["fields"] == [
        "Name",
        "Verified sending domains",
        "Requests section on",
    ]


def test_the_payment_settings_are_saved_within_their_limits(office, greenway):
    posted = settings_posted(
        greenway,
        autopay_charge_on="publishing",
        autopay_notice_days="5",
        convenience_fee_percent="2.50",
    )

    office.post(SETTINGS, posted)

    company = Company.load()
    assert company.autopay_charge_on == Company.AutopayCharge.PUBLISHING
    assert company.autopay_notice_days == 5
    assert str(company.convenience_fee_percent) == "2.50"

    refused = office.post(
        SETTINGS, settings_posted(company, autopay_notice_days="31", convenience_fee_percent="12")
    )

    assert refused.status_code == 200
    assert "Ensure this value is less than or equal to 30." in refused.text
    assert "Ensure this value is less than or equal to 10." in refused.text
    assert Company.load().autopay_notice_days == 5


def test_a_form_with_errors_keeps_what_was_typed_and_saves_nothing(office, greenway):
    posted = settings_posted(
        greenway,
        name="Greenway Gardens",
        sending_address="not an address",
        verified_sending_domains="greenway.example\nnot a domain!",
    )

    response = office.post(SETTINGS, posted)

    assert response.status_code == 200
    assert 'value="Greenway Gardens"' in response.text
    assert 'value="not an address"' in response.text
    assert "not a domain!</textarea>" in response.text
    assert "Enter a valid email address." in response.text
    assert "Enter a domain like greenway.example." in response.text
    assert Company.load().name == "Greenway Landscaping"
    assert not AuditEntry.objects.filter(action="company.changed").exists()


def test_a_chosen_logo_cannot_be_kept_through_an_error_and_the_page_says_so(office, greenway):
    posted = settings_posted(greenway, name="", logo=png("logo.png"))

    response = office.post(SETTINGS, posted)

    assert response.status_code == 200
    assert LOGO_NOT_KEPT in response.text
    assert not Company.load().logo


def test_the_colour_preview_shows_readable_shades_without_saving(office, greenway):
    posted = settings_posted(greenway, brand_colour="#ffee00", preview="1")

    response = office.post(SETTINGS, posted)

    assert response.status_code == 200
    assert "nothing is saved until you press Save settings" in response.text
    # Yellow does not read on white: links and buttons take a darker shade of it.
    assert "The colour #ffee00 is too light to read as text on white" in response.text
    assert "background: #ffee00; color: #1b1b1b;" in response.text
    assert 'value="#ffee00"' in response.text
    assert Company.load().brand_colour == greenway.brand_colour


def test_the_settings_page_runs_the_same_queries_however_many_domains(office, greenway):
    def add_domains(n: int) -> None:
        company = Company.load()
        start = len(company.verified_sending_domains)
        company.verified_sending_domains += [f"d{start + i}.example" for i in range(n)]
        company.save()

    assert_queries_do_not_grow(office, SETTINGS, add_rows=add_domains)


def test_showing_the_settings_creates_no_row(office):
    Company.objects.all().delete()
    assert office.get(SETTINGS).status_code == 200
    assert not Company.objects.exists()


# --- Email templates ---------------------------------------------------------


def test_the_templates_are_listed_by_kind_and_language_with_their_fill_ins(client):
    EmailTemplate.objects.filter(language="es").delete()
    template = invitation("en")
    client.force_login(staff_holding(VIEW_TEMPLATE))

    response = client.get(TEMPLATES)

    assert response.status_code == 200
    assert reverse("office:email-template", kwargs={"template_id": template.pk}) in response.text
    assert "Portal invitation" in response.text
    assert "<code>{invitation_link}</code>" in response.text
    assert "No Español template for “Portal invitation”: those emails use the English one." in (
        response.text
    )
    # Only the templates tab they may open.
    assert 'aria-current="page">Email templates</a>' in response.text
    assert reverse("office:staff") not in response.text


def test_the_template_list_needs_the_view_permission(client):
    client.force_login(staff_holding(VIEW_COMPANY))
    assert client.get(TEMPLATES).status_code == 403


def test_the_template_list_runs_the_same_queries_for_one_template_and_for_all(office):
    # Kind and language are unique together: one kind in two languages is all there can be.
    EmailTemplate.objects.all().delete()
    invitation("en")
    with_one = queries_of(office, TEMPLATES)
    invitation("es")
    assert queries_of(office, TEMPLATES) == with_one


def test_a_template_shows_its_fill_ins_and_a_preview_with_example_values(client, greenway):
    template = invitation()
    client.force_login(staff_holding(VIEW_TEMPLATE))

    response = client.get(reverse("office:email-template", kwargs={"template_id": template.pk}))

    assert response.status_code == 200
    assert "The link that creates the contact&#x27;s portal account (required)" in response.text
    assert "Join Greenway Landscaping" in response.text  # the preview's subject
    assert "https://portal.example/invitation/example-link/" in response.text
    assert 'srcdoc="' in response.text
    assert "<textarea" not in response.text  # seen, not changed


def test_saving_a_template_goes_through_the_audited_service(client, greenway):
    template = invitation()
    editor = staff_holding(VIEW_TEMPLATE, CHANGE_TEMPLATE)
    client.force_login(editor)
    url = reverse("office:email-template", kwargs={"template_id": template.pk})

    response = client.post(
        url, {"subject": "Welcome, {first_name}", "body": "Start: {invitation_link}"}, follow=True
    )

    template.refresh_from_db()
    assert response.redirect_chain == [(url, 302)]
    assert template.subject == "Welcome, {first_name}"
    entry = AuditEntry.objects.get(action="email_template.changed")
    assert entry.actor == editor
    assert entry.data == {"changes": [{"changed": {"fields": ["Subject", "Body"]}}]}


def test_a_template_with_an_unknown_fill_in_keeps_what_was_typed(office):
    template, url = invitation_and_page()

    response = office.post(url, {"subject": "Hi {nickname}", "body": "Here: {invitation_link}"})

    assert response.status_code == 200
    assert 'value="Hi {nickname}"' in response.text
    assert "Unknown fill-in field: {nickname}." in response.text
    assert_unchanged(template)


def test_an_invitation_without_its_link_is_refused(office):
    template, url = invitation_and_page()

    response = office.post(url, {"subject": "Hi", "body": "No link here"})

    assert "The body must contain {invitation_link}." in response.text
    assert_unchanged(template)


def test_previewing_a_template_shows_what_was_typed_without_saving(office, greenway):
    template, url = invitation_and_page()

    response = office.post(
        url, {"subject": "Hello {first_name}", "body": "Go: {invitation_link}", "preview": "1"}
    )

    assert "Preview of what you typed (not saved)" in response.text
    assert "Hello Maria" in response.text
    assert_unchanged(template)


def test_staff_who_may_only_view_a_template_cannot_change_it(client):
    _, url = invitation_and_page()
    client.force_login(staff_holding(VIEW_TEMPLATE))

    assert client.post(url, {"subject": "X", "body": "{invitation_link}"}).status_code == 403


def test_a_missing_template_is_not_found(office):
    url = reverse("office:email-template", kwargs={"template_id": 999999})
    assert office.get(url).status_code == 404


def test_a_template_page_runs_a_bounded_number_of_queries(office, greenway):
    _, url = invitation_and_page()
    assert queries_of(office, url) <= 12
