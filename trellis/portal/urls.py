from django.urls import path

from trellis.portal.preview import read_only_in_preview
from trellis.portal.views import (
    access,
    autopay,
    bank_accounts,
    help,
    home,
    invoices,
    payment_methods,
    payments,
    preview,
    profile,
    proposals,
    requests,
    two_factor,
)

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("sign-in/", access.sign_in, name="sign-in"),
    path("sign-out/", access.sign_out, name="sign-out"),
    path("forgot-password/", access.forgot_password, name="forgot-password"),
    path("help/", help.help_page, name="help"),
    path("reset/<str:token>/", access.password_reset, name="password-reset"),
    path("invitation/<str:token>/", access.invitation, name="invitation"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice-pdf"),
    path("proposals/", proposals.proposal_list, name="proposals"),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/pdf/", proposals.proposal_pdf, name="proposal-pdf"),
    path("proposals/<int:pk>/approve/", proposals.proposal_approve, name="proposal-approve"),
    path("proposals/<int:pk>/decline/", proposals.proposal_decline, name="proposal-decline"),
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", requests.request_new, name="request-new"),
    path("requests/<int:pk>/", requests.request_detail, name="request"),
    path("requests/<int:pk>/comment/", requests.request_comment_add, name="request-comment"),
    path(
        "requests/<int:pk>/photos/<int:photo_id>/",
        requests.request_photo,
        name="request-photo",
    ),
    path("profile/", profile.profile, name="profile"),
    path("profile/details/", profile.profile_details, name="profile-details"),
    path("profile/email/", profile.profile_email, name="profile-email"),
    path("profile/password/", profile.profile_password, name="profile-password"),
    path("two-factor/", two_factor.two_factor_verify_view, name="two-factor-verify"),
    path("profile/two-factor/", two_factor.two_factor_manage, name="two-factor"),
    path("profile/two-factor/set-up/", two_factor.two_factor_set_up, name="two-factor-set-up"),
    path("profile/payment-methods/", payment_methods.payment_method_list, name="payment-methods"),
    path("profile/autopay/", autopay.autopay_page, name="autopay"),
    path("profile/autopay/on/", autopay.autopay_on, name="autopay-on"),
    path("profile/autopay/<int:pk>/off/", autopay.autopay_off, name="autopay-off"),
    path(
        "profile/payment-methods/add/",
        payment_methods.payment_method_add_view,
        name="payment-method-add",
    ),
    path(
        "profile/payment-methods/add-bank-account/",
        bank_accounts.bank_account_add_view,
        name="bank-account-add",
    ),
    path(
        "profile/payment-methods/<int:pk>/verify/",
        bank_accounts.bank_account_verify_view,
        name="bank-account-verify",
    ),
    path(
        "profile/payment-methods/receipts/",
        payment_methods.receipt_emails,
        name="receipt-emails",
    ),
    path(
        "profile/payment-methods/<int:pk>/default/",
        payment_methods.payment_method_default,
        name="payment-method-default",
    ),
    path(
        "profile/payment-methods/<int:pk>/remove/",
        payment_methods.payment_method_delete,
        name="payment-method-remove",
    ),
    path("invoices/<int:pk>/pay/", payments.invoice_pay_view, name="invoice-pay"),
    path("invoices/pay-all/", payments.invoices_pay_all_view, name="invoices-pay-all"),
    path(
        "invoices/<int:pk>/payments/<int:payment_pk>/",
        payments.payment_detail,
        name="payment",
    ),
    path(
        "invoices/<int:pk>/payments/<int:payment_pk>/retry/",
        payments.payment_retry_view,
        name="payment-retry",
    ),
]

# Staff viewing the portal as a customer may change nothing: every page above
# goes through the one guard that refuses it (trellis/portal/preview.py)...
urlpatterns = [read_only_in_preview(pattern) for pattern in urlpatterns]
# ...but this one, which ends the preview.
urlpatterns.append(path("preview/exit/", preview.preview_exit, name="preview-exit"))
