"""Help for customers: the answers to the questions support hears most."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/help.html")
