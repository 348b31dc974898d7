from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from trellis.company.models import Company


def company(request: HttpRequest) -> dict[str, object]:
    # Lazy: pages that never show the company's name or colour don't query it.
    return {"company": SimpleLazyObject(Company.load)}
