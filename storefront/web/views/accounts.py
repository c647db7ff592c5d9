"""Sign in and out, lockout and password reset with Django's own views, in
the storefront's templates."""

from urllib.parse import urlsplit

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy

from storefront.accounts.services import (
    account_password_reset_request,
    email_verified,
)
from storefront.orders.services import orders_attach_to_user

from .. import cart_session


class LoginForm(auth_forms.AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # storefront.accounts.backends accepts any of the three.
        self.fields["username"].label = "邮箱、手机号或用户名 Email, mobile or username"


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        # ?next= pointing back at this page would make Django refuse with a
        # "redirection loop" error for a signed-in user; send them home instead.
        url = super().get_redirect_url()
        return "" if url and urlsplit(url).path == self.request.path else url

    def form_valid(self, form):
        # Read the guest's cart before login() may rotate or flush the session,
        # then hand it to the account explicitly (no signals).
        guest_token = cart_session.session_token(self.request)
        response = super().form_valid(form)
        cart_session.attach_after_login(self.request, guest_token)
        user = form.get_user()
        if email_verified(user):
            # Guest orders placed with the verified address since last time.
            orders_attach_to_user(user=user, email=user.email)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): the header's sign-out button is a CSRF form."""


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a sign-in while the account or address is
    locked (site and admin login alike)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "web/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def _reset_minutes() -> int:
    return settings.PASSWORD_RESET_TIMEOUT // 60


class PasswordResetView(auth_views.PasswordResetView):
    """Queues a one-time link for every active account with that address;
    the page says the same, just as fast, whether or not one exists."""

    template_name = "web/password/reset_form.html"
    success_url = reverse_lazy("web:password-reset-done")

    def form_valid(self, form):
        account_password_reset_request(email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/password/reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(timeout_minutes=_reset_minutes(), **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password/reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever could read the account's mail may sign in again at once: the
        # account's failed attempts are forgotten (the address's other ones
        # are not, so resetting one account never unlocks guessing at others).
        axes_reset(username=self.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password/reset_complete.html"
