from django.urls import path

from trellis.portal.views import access, home, invoices, profile

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("sign-in/", access.sign_in, name="sign-in"),
    path("sign-out/", access.sign_out, name="sign-out"),
    path("forgot-password/", access.forgot_password, name="forgot-password"),
    path("reset/<str:token>/", access.password_reset, name="password-reset"),
    path("invitation/<str:token>/", access.invitation, name="invitation"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice-pdf"),
    path("profile/", profile.profile, name="profile"),
    path("profile/details/", profile.profile_details, name="profile-details"),
    path("profile/email/", profile.profile_email, name="profile-email"),
    path("profile/password/", profile.profile_password, name="profile-password"),
]
