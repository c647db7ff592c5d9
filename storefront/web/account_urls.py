"""The signed-in shopper's pages, mounted at /account/ (config/urls.py)."""

from django.urls import path

from .views import account

app_name = "account"

urlpatterns: list = [
    path("", account.profile, name="home"),
    path("email/", account.email_change, name="email"),
    path("email/verify/", account.verification_resend, name="verify-resend"),
    path("password/", account.PasswordChangeView.as_view(), name="password"),
    path(
        "password/done/",
        account.PasswordChangeDoneView.as_view(),
        name="password-done",
    ),
    path("delete/", account.delete, name="delete"),
]
