"""Proposal and invoice PDFs kept in storage: rendered once per version of a
document and read back afterwards, instead of rendered on every request.

A version is a digest of what the PDF is made from (trellis.documents.pdf,
PdfSource): every field of the document, its property, its recipient and the
company as the template is given them, the rows and totals, the language and
time zone, the templates and translations, and RENDERER_VERSION. Whatever could
change what the PDF shows changes the digest, so a stored PDF is never stale: it
is found again only for the same content. The bookkeeping fields no PDF shows
are left out (UNSHOWN_FIELDS), so that printing or emailing a document does not
make a new version of it.

The files are in the default storage, under MEDIA_ROOT, which nothing serves:
the portal reads them after its visibility check, as it does request photos.
Each is `documents/pdf/<kind>-<pk>/<language>.<digest>.pdf`; storing a version
removes the document's other versions in that language, so storage holds at
most one PDF per document and language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import django
import weasyprint
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.template.loader import get_template
from django.utils import timezone

from trellis.company.models import Company
from trellis.documents.pdf import (
    PDF_TEMPLATES,
    PdfSource,
    document_source,
    logo_data_uri,
    source_pdf,
)
from trellis.documents.selectors import Document

logger = logging.getLogger(__name__)

# Bump by hand when a change to trellis.documents.pdf changes how PDFs look
# (the templates and translations are digested without help).
RENDERER_VERSION = 1

# Fields no PDF shows, and that change when nothing it shows does: the print
# and email times, and every save's time. A template that shows one of them
# must take it out of here (trellis/documents/tests/test_pdf_cache.py checks
# that the templates name none of them).
UNSHOWN_FIELDS = frozenset({"printed_at", "emailed_at", "updated_at"})

FOLDER = "documents/pdf"


def stored_document_pdf(*, document: Document, company: Company | None = None) -> bytes:
    """The document's PDF, in the active language: read from storage, or
    rendered and stored when this version of the document has none yet.

    Load the document through trellis.visibility before showing the PDF to a
    customer: storage knows nothing of who may see it."""
    source = document_source(document=document, company=company)
    name = stored_name(document=document, source=source)
    try:
        with default_storage.open(name, "rb") as stored:
            pdf: bytes = stored.read()
            return pdf
    except FileNotFoundError:
        pass  # not rendered yet
    except OSError:
        logger.warning("Could not read the stored PDF %r", name, exc_info=True)
    logo = logo_data_uri(source.company)
    pdf = source_pdf(source, logo=logo)
    if source.company.logo and logo is None:
        # Rendered without a logo that could not be read: keeping it would
        # serve the logo-less PDF after the logo is readable again.
        return pdf
    try:
        _store(name, pdf, language=_language(source))
    except OSError:
        # The customer gets the PDF all the same; the next request renders again.
        logger.warning("Could not store the PDF %r", name, exc_info=True)
    return pdf


def stored_name(*, document: Document, source: PdfSource) -> str:
    """Where this version of the document's PDF is kept."""
    return f"{_folder(document)}/{_language(source)}.{document_version(source=source)}.pdf"


def document_version(*, source: PdfSource) -> str:
    """A digest of everything the PDF is made from (see the module's docstring)."""
    made_of = {
        "renderer": [RENDERER_VERSION, renderer_digest()],
        "template": source.template,
        "time_zone": timezone.get_current_timezone_name(),
        "context": _fingerprint(source.context),
    }
    text = json.dumps(made_of, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.cache
def renderer_digest() -> str:
    """A digest of the PDF templates' source, the translations, and the Django
    and WeasyPrint versions: computed once per process, since a deploy
    restarts the processes."""
    digest = hashlib.sha256(
        f"django {django.__version__} weasyprint {weasyprint.__version__}".encode()
    )
    for name in PDF_TEMPLATES:
        digest.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]
    for locale in settings.LOCALE_PATHS:
        for catalogue in sorted(Path(locale).glob("*/LC_MESSAGES/*.mo")):
            digest.update(catalogue.read_bytes())
    return digest.hexdigest()


def _fingerprint(value: Any) -> Any:
    """The value as JSON can hold it, the same for the same content every time."""
    if isinstance(value, models.Model):
        return {
            "model": value._meta.label,
            # Bytes (a proposal's signature image) are never shown as such: a
            # PDF showing one would get it through the context, as the logo.
            "fields": {
                field.attname: _fingerprint(field.value_from_object(value))
                for field in value._meta.concrete_fields
                if field.name not in UNSHOWN_FIELDS and not isinstance(field, models.BinaryField)
            },
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _fingerprint(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): _fingerprint(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_fingerprint(item) for item in value]
    if isinstance(value, FieldFile):
        # The logo, by name: storage writes no file over another (Django's
        # default), so a new upload has a new name.
        return value.name or ""
    if isinstance(value, dt.date):  # and datetimes, with their offset
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    # A fingerprint made of repr() could hold a memory address, and never match.
    raise TypeError(f"The PDF version does not know how to read a {type(value).__name__}")


def _folder(document: Document) -> str:
    return f"{FOLDER}/{document._meta.model_name}-{document.pk}"


def _language(source: PdfSource) -> str:
    return re.sub(r"[^a-zA-Z0-9-]", "", str(source.context["language"])) or "en"


def _store(name: str, pdf: bytes, *, language: str) -> None:
    """Keep the PDF under `name` and remove the document's other versions in
    the same language.

    On the file system the PDF is written to a temporary name and renamed:
    a request reading it meanwhile finds the whole file or none, and two
    requests rendering the same version at once each rename a whole file."""
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        _write_whole(Path(storage.path(name)), pdf, mode=storage.file_permissions_mode)
    else:
        # An object store (S3...) publishes an object whole or not at all; a
        # duplicate saved under another name is pruned below.
        storage.save(name, ContentFile(pdf))
    _prune(name, language=language)


def _write_whole(path: Path, pdf: bytes, *, mode: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pdf)
        if mode is not None:  # as the storage makes its files (mkstemp's are ours alone)
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(name: str, *, language: str) -> None:
    folder, kept = name.rsplit("/", 1)
    _, files = default_storage.listdir(folder)
    for file in files:
        # Temporary files start with ".": another request's, being written.
        if file != kept and file.startswith(f"{language}.") and file.endswith(".pdf"):
            default_storage.delete(f"{folder}/{file}")
