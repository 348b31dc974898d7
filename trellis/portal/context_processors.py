from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from trellis.accounts.preview import preview_of
from trellis.company.models import Company


def company(request: HttpRequest) -> dict[str, object]:
    """What every portal page may show: the company, and `preview` when staff
    view the portal as a customer (the banner; no button that pays, approves
    or changes), else false."""
    # Lazy: pages that never show them don't query them (the office's among them).
    return {
        "company": SimpleLazyObject(Company.load),
        "preview": SimpleLazyObject(lambda: preview_of(request)),
    }
