"""Reading the PDFs Trellis renders, as a customer's PDF reader would."""

from io import BytesIO

from pypdf import PdfReader


def pdf_reader(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(BytesIO(pdf))


def pdf_text(pdf: bytes) -> str:
    """The text of every page, with runs of spaces made one."""
    pages = pdf_reader(pdf).pages
    return "\n".join(
        " ".join(line.split()) for page in pages for line in page.extract_text().splitlines()
    )
