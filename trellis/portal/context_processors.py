from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from trellis.accounts.preview import preview_of
from trellis.company.models import Company


def company(request: HttpRequest) -> dict[str, object]:
    """What every portal page may show: the company, and `preview` when staff
    view the portal as a customer (the banner; no button that pays, approves
    or changes), else false."""
    # A customer's page has read the company already (the viewer's, for the
    # sections it shows): one read per request. Elsewhere it is lazy, so pages
    # that never show it don't query it (the office's among them).
    viewer = getattr(request, "viewer", None)
    return {
        "company": viewer.company if viewer is not None else SimpleLazyObject(Company.load),
        "preview": SimpleLazyObject(lambda: preview_of(request)),
    }
