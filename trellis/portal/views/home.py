from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trellis.portal.decorators import customer_required


@customer_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"contact": request.user.contact})  # type: ignore[union-attr]
