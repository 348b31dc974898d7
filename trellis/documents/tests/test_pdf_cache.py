"""PDFs kept in storage (trellis/documents/pdf_cache.py): rendered once per
version of a document, rendered again for whatever changes what it shows."""

import threading
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from trellis.billing.models import Invoice
from trellis.billing.services import invoice_set_lines
from trellis.company.models import Company
from trellis.customers.models import Contact, Property
from trellis.documents import pdf_cache
from trellis.documents.pdf import PDF_TEMPLATES, document_source
from trellis.documents.pdf_cache import stored_document_pdf
from trellis.documents.services import document_email, document_print
from trellis.documents.tests.pdfs import pdf_reader, pdf_text
from trellis.proposals.models import Proposal, ProposalItem
from trellis.testing.factories import CustomerAccountFactory

pytestmark = pytest.mark.django_db

LINES = [
    {"description": "Weekly mowing", "quantity": Decimal(4), "unit_price": Decimal("45.00")},
    {
        "description": "Mulch delivery",
        "quantity": Decimal("2.5"),
        "unit_price": Decimal("38.40"),
        "taxable": False,
    },
]


@pytest.fixture
def renders(monkeypatch):
    """The documents rendered by WeasyPrint, in order (the renderer still renders)."""
    rendered = []
    render = pdf_cache.source_pdf

    def spy(source, *, logo):
        rendered.append(source.context["document"].number)
        return render(source, logo=logo)

    monkeypatch.setattr(pdf_cache, "source_pdf", spy)
    return rendered


@pytest.fixture
def bill_client(client, bill):
    client.force_login(CustomerAccountFactory(contact=bill))
    return client


def fresh(invoice):
    """The invoice as the next request loads it."""
    return Invoice.objects.select_related("property").get(pk=invoice.pk)


def stored_files(document):
    folder = f"documents/pdf/{document._meta.model_name}-{document.pk}"
    return sorted(default_storage.listdir(folder)[1])


# #8b1f1f as the PDF paints it: red, green and blue from 0 to 1.
BRAND_RED = b"0.545098 0.121569 0.121569"


def page_drawing(pdf):
    return pdf_reader(pdf).pages[0].get_contents().get_data()


def png(colour):
    image = BytesIO()
    Image.new("RGB", (120, 40), colour).save(image, "PNG")
    return image.getvalue()


# --- rendered once ---------------------------------------------------------------


def test_the_second_request_for_a_pdf_renders_nothing(bill_client, invoice, staff, renders):
    printed = document_print(document=invoice, actor=staff)
    url = reverse("portal:invoice-pdf", args=[invoice.pk])

    first, second = bill_client.get(url), bill_client.get(url)

    assert renders == ["INV-1001"]  # at print time, and never again
    assert first.content == second.content == printed
    assert first["Content-Type"] == "application/pdf"
    assert first["Cache-Control"] == "private, no-store"


def test_the_first_portal_request_renders_and_keeps_it(bill_client, invoice, renders):
    Invoice.objects.filter(pk=invoice.pk).update(printed_at=timezone.now())
    url = reverse("portal:invoice-pdf", args=[invoice.pk])

    pdfs = [bill_client.get(url).content for _ in range(3)]

    assert renders == ["INV-1001"]
    assert len(set(pdfs)) == 1
    assert "Bill Payne" in pdf_text(pdfs[0])


def test_printing_then_emailing_renders_once(invoice, bill, staff, renders):
    printed = document_print(document=invoice, actor=staff)
    email = document_email(document=invoice, actor=staff)

    assert renders == ["INV-1001"]
    assert email.attachments.get().content == printed


def test_a_stored_pdf_costs_the_queries_of_what_it_shows_and_no_more(
    invoice, bill, renders, django_assert_num_queries
):
    stored_document_pdf(document=fresh(invoice))
    invoice = fresh(invoice)

    # The company, the Billing contact, the lines.
    with django_assert_num_queries(3):
        stored_document_pdf(document=invoice)
    assert renders == ["INV-1001"]


# --- each change is a new version -------------------------------------------------


def change_a_line(invoice):
    invoice_set_lines(
        invoice=invoice, lines=[*LINES, {"description": "Hedge trimming", "unit_price": 60}]
    )


def raise_a_price(invoice):
    invoice_set_lines(invoice=invoice, lines=[{**LINES[0], "unit_price": Decimal(50)}, LINES[1]])


def pay_part(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(
        amount_paid=Decimal("100.00"), status=Invoice.Status.PARTIALLY_PAID
    )


def pay_all(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(
        amount_paid=invoice.total, status=Invoice.Status.PAID
    )


def move_the_property(invoice):
    Property.objects.filter(pk=invoice.property_id).update(street="14 Elm Street")


def rename_the_billing_contact(invoice):
    Contact.objects.filter(first_name="Bill").update(first_name="William")


def rename_the_company(invoice):
    Company.objects.update(name="Greenway Gardens")


def change_the_currency(invoice):
    Company.objects.update(currency="EUR")


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (change_a_line, "Hedge trimming 1 USD 60.00 USD 60.00"),
        (raise_a_price, "Total USD 312.50"),
        (pay_part, "Balance due USD 190.85"),
        (pay_all, "PAID"),
        (move_the_property, "14 Elm Street, Springfield"),
        (rename_the_billing_contact, "William Payne"),
        (rename_the_company, "Greenway Gardens"),
        (change_the_currency, "Total EUR 290.85"),
    ],
)
def test_a_change_to_what_the_pdf_shows_renders_a_new_one(invoice, bill, renders, change, shown):
    before = stored_document_pdf(document=fresh(invoice))

    change(fresh(invoice))
    after = stored_document_pdf(document=fresh(invoice))

    assert renders == ["INV-1001", "INV-1001"]
    assert shown not in pdf_text(before)
    assert shown in pdf_text(after)
    assert stored_document_pdf(document=fresh(invoice)) == after  # and keeps that one
    assert len(renders) == 2


def test_a_new_brand_colour_renders_a_new_pdf(company, invoice, renders):
    before = stored_document_pdf(document=fresh(invoice))

    Company.objects.update(brand_colour="#8b1f1f")
    after = stored_document_pdf(document=fresh(invoice))

    assert len(renders) == 2
    assert BRAND_RED not in page_drawing(before)
    assert BRAND_RED in page_drawing(after)


def test_a_new_logo_renders_a_new_pdf(company, invoice, renders):
    assert not pdf_reader(stored_document_pdf(document=fresh(invoice))).pages[0].images
    company.logo.save("logo.png", ContentFile(png("#1f5f8b")))
    with_logo = stored_document_pdf(document=fresh(invoice))
    company.logo.save("logo.png", ContentFile(png("#8b1f1f")))  # stored as another name

    other_logo = stored_document_pdf(document=fresh(invoice))

    assert len(renders) == 3
    assert len(pdf_reader(with_logo).pages[0].images) == 1
    assert other_logo != with_logo


def test_a_logo_that_cannot_be_read_is_left_out_and_the_pdf_not_kept(company, invoice, renders):
    company.logo.save("logo.png", ContentFile(png("#1f5f8b")))
    with default_storage.open(company.logo.name) as file:
        logo = file.read()
    default_storage.delete(company.logo.name)

    without = stored_document_pdf(document=fresh(invoice))
    default_storage.save(company.logo.name, ContentFile(logo))  # readable again
    with_logo = stored_document_pdf(document=fresh(invoice))

    assert len(renders) == 2
    assert not pdf_reader(without).pages[0].images
    assert len(pdf_reader(with_logo).pages[0].images) == 1


def test_a_new_renderer_version_renders_a_new_pdf(invoice, renders, monkeypatch):
    stored_document_pdf(document=fresh(invoice))

    monkeypatch.setattr(pdf_cache, "RENDERER_VERSION", pdf_cache.RENDERER_VERSION + 1)
    stored_document_pdf(document=fresh(invoice))

    assert len(renders) == 2


def test_a_changed_template_renders_a_new_pdf(invoice, renders, settings, tmp_path):
    stored_document_pdf(document=fresh(invoice))
    original = (
        settings.BASE_DIR / "trellis/documents/templates/documents/invoice_pdf.html"
    ).read_text()
    override = tmp_path / "templates/documents/invoice_pdf.html"
    override.parent.mkdir(parents=True)
    override.write_text(original.replace("Balance due", "Left to pay"))
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]
    pdf_cache.renderer_digest.cache_clear()  # as a deploy's restart does
    try:
        pdf = stored_document_pdf(document=fresh(invoice))
    finally:
        pdf_cache.renderer_digest.cache_clear()

    assert len(renders) == 2
    assert "Left to pay" in pdf_text(pdf)


def test_a_proposal_item_chosen_renders_a_new_pdf(proposal, paula, renders):
    def fresh_proposal():
        return Proposal.objects.select_related("property").get(pk=proposal.pk)

    stored_document_pdf(document=fresh_proposal())
    ProposalItem.objects.filter(description="Garden lighting").update(chosen=True)

    pdf = stored_document_pdf(document=fresh_proposal())

    assert renders == ["PR-2001", "PR-2001"]
    assert "Garden lighting Optional Chosen" in pdf_text(pdf)


def test_printing_nothing_new_is_the_same_version(invoice, bill, staff, renders):
    document_print(document=invoice, actor=staff)
    document_print(document=invoice, actor=staff)  # printed_at and updated_at are its own

    assert len(renders) == 1


def test_the_templates_show_none_of_the_fields_the_version_leaves_out():
    from django.template.loader import get_template

    for name in PDF_TEMPLATES:
        source = get_template(name).template.source
        for field in pdf_cache.UNSHOWN_FIELDS:
            assert field not in source, f"{name} shows {field}: take it out of UNSHOWN_FIELDS"


# --- what the customer is served --------------------------------------------------


def test_a_document_printed_then_changed_is_served_to_the_customer_as_it_is_now(
    bill_client, invoice, staff
):
    document_print(document=invoice, actor=staff)
    url = reverse("portal:invoice-pdf", args=[invoice.pk])
    assert "Hedge trimming" not in pdf_text(bill_client.get(url).content)

    change_a_line(fresh(invoice))

    assert "Hedge trimming 1 USD 60.00" in pdf_text(bill_client.get(url).content)


def test_a_new_version_removes_the_old_one_but_not_another_languages(invoice, bill, renders):
    with translation.override("es"):
        spanish = stored_document_pdf(document=fresh(invoice))
    stored_document_pdf(document=fresh(invoice))

    change_a_line(fresh(invoice))
    stored_document_pdf(document=fresh(invoice))

    files = stored_files(invoice)
    assert [f.split(".")[0] for f in files] == ["en", "es"]
    source = document_source(document=fresh(invoice))
    assert pdf_cache.stored_name(document=invoice, source=source).endswith(files[0])
    with translation.override("es"):
        assert stored_document_pdf(document=fresh(invoice)) != spanish  # the line is new there too
    assert len(renders) == 4


def test_an_object_store_keeps_them_too(invoice, renders, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }

    first = stored_document_pdf(document=fresh(invoice))
    change_a_line(fresh(invoice))
    stored_document_pdf(document=fresh(invoice))
    again = stored_document_pdf(document=fresh(invoice))

    assert len(renders) == 2
    assert first != again
    assert len(stored_files(invoice)) == 1


# --- at the same time --------------------------------------------------------------


def test_a_request_while_another_renders_the_same_version_leaves_one_whole_file(
    invoice, monkeypatch
):
    render = pdf_cache.source_pdf
    nested = []

    def slow_render(source, *, logo):
        if not nested:  # a second request arrives, renders and stores meanwhile
            nested.append(b"")
            nested[0] = stored_document_pdf(document=fresh(invoice))
        return render(source, logo=logo)

    monkeypatch.setattr(pdf_cache, "source_pdf", slow_render)

    pdf = stored_document_pdf(document=fresh(invoice))

    assert pdf == nested[0]
    [name] = stored_files(invoice)
    with default_storage.open(f"documents/pdf/invoice-{invoice.pk}/{name}") as stored:
        assert stored.read() == pdf


def test_a_reader_never_sees_a_file_half_written(company):
    name = "documents/pdf/invoice-1/en.0123.pdf"
    versions = [b"%PDF-" + bytes([n]) * 400_000 for n in range(1, 5)]
    torn = []
    done = threading.Event()

    def write(content):
        for _ in range(10):
            pdf_cache._store(name, content, language="en")

    def read():
        while not done.is_set():
            try:
                with default_storage.open(name) as file:
                    content = file.read()
            except FileNotFoundError:
                continue
            if content not in versions:
                torn.append(len(content))

    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=write, args=(v,)) for v in versions]
    reader.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    reader.join()

    assert torn == []
    assert default_storage.listdir("documents/pdf/invoice-1") == ([], ["en.0123.pdf"])
