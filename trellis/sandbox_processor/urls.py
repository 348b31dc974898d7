from django.urls import path

from trellis.sandbox_processor import addresses, views

app_name = "sandbox_processor"

urlpatterns = [
    path(addresses.CARD_ENTRY_SCRIPT, views.card_entry_script, name="card-entry-script"),
    path(addresses.CARD_FIELD, views.card_field, name="card-field"),
    path(addresses.BANK_FIELD, views.bank_field, name="bank-field"),
    path(addresses.CARD_FIELD_SCRIPT, views.card_field_script, name="card-field-script"),
    path(addresses.TOKENS, views.tokens, name="tokens"),
    path(
        f"{addresses.AUTHENTICATE}<str:authentication_id>/",
        views.authenticate,
        name="authenticate",
    ),
]
