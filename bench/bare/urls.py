from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


def page(request):
    return render(request, "bare/page.html", {"title": "Bare Django"})


urlpatterns = [path("", page), path("signed-in/", login_required(page))]
