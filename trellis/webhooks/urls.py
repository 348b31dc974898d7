from django.urls import path

from trellis.webhooks import views

app_name = "webhooks"

urlpatterns = [
    # The gateway's name ("sandbox", "stripe"): the URL each processor is given.
    path("<slug:gateway>/", views.receive, name="receive"),
]
