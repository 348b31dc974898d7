from django.shortcuts import render
from django.urls import path


def page(request):
    return render(request, "bare/page.html", {"title": "Bare Django"})


urlpatterns = [path("", page)]
