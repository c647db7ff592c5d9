"""The shopper's own account: sign up, verify the email address, the profile,
the email change, the password change and the deletion request. Each view
parses the form and calls the accounts services (and, once an address is
verified, the orders service that attaches its guest orders)."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from storefront.accounts import services as account_services
from storefront.accounts.errors import AccountError
from storefront.accounts.tokens import email_verification_token
from storefront.checkout.services import checkouts_delete_of_user
from storefront.orders.services import orders_attach_to_user

from ..account_forms import (
    DeleteForm,
    EmailChangeForm,
    PasswordChangeForm,
    ProfileForm,
    SignupForm,
)


def _hours() -> int:
    return settings.ACCOUNT_EMAIL_VERIFICATION_TIMEOUT // 3600


@never_cache
def signup(request):
    if request.user.is_authenticated:
        return redirect("account:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.account_signup(**form.cleaned_data)
        except AccountError as error:
            form.add_account_error(error)
        else:
            # The same answer whether or not the address had an account.
            return redirect("web:signup-done")
    return render(request, "web/account/signup.html", {"form": form})


def signup_done(request):
    return render(request, "web/account/signup_done.html", {"hours": _hours()})


def _user_from_uid(uidb64: str):
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return get_user_model().objects.select_related("profile").get(pk=pk)
    except (ValueError, OverflowError, TypeError, get_user_model().DoesNotExist):
        return None


def _valid_link_user(uidb64: str, token: str):
    user = _user_from_uid(uidb64)
    if user is None or not user.is_active or not hasattr(user, "profile"):
        return None
    return user if email_verification_token.check_token(user, token) else None


@never_cache
def email_verify(request, uidb64, token):
    """GET shows a button and changes nothing (mail scanners open links);
    the POST verifies and attaches the address's guest orders."""
    user = _valid_link_user(uidb64, token)
    if user is None:
        return render(request, "web/account/verify.html", {"valid": False})
    if request.method != "POST":
        return render(
            request, "web/account/verify.html", {"valid": True, "user_": user}
        )
    try:
        email = account_services.account_email_confirm(user=user)
    except AccountError:
        return render(request, "web/account/verify.html", {"valid": False})
    attached = orders_attach_to_user(user=user, email=email)
    return render(
        request,
        "web/account/verify_done.html",
        {"email": email, "attached": attached},
    )


def _profile_page(request, *, profile_form=None, email_form=None, status=200):
    user = request.user
    profile = account_services.profile_of(user)
    profile_form = profile_form or ProfileForm(
        initial={"name": user.first_name, "mobile": profile.mobile}
    )
    return render(
        request,
        "web/account/profile.html",
        {
            "profile": profile,
            "profile_form": profile_form,
            "email_form": email_form or EmailChangeForm(),
            "sent": request.GET.get("sent") == "1",
            "saved": request.GET.get("saved") == "1",
        },
        status=status,
    )


@never_cache
@login_required
def profile(request):
    if request.method != "POST":
        return _profile_page(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            account_services.account_profile_update(
                user=request.user, **form.cleaned_data
            )
        except AccountError as error:
            form.add_account_error(error)
        else:
            return redirect(reverse("account:home") + "?saved=1")
    return _profile_page(request, profile_form=form)


@never_cache
@login_required
@require_POST
def email_change(request):
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            account_services.account_email_change_request(
                user=request.user, new_email=form.cleaned_data["email"]
            )
        except AccountError as error:
            form.add_account_error(error)
        else:
            # The same answer whether or not the address is someone else's.
            return redirect(reverse("account:home") + "?sent=1")
    return _profile_page(request, email_form=form)


@never_cache
@login_required
@require_POST
def verification_resend(request):
    account_services.account_verification_resend(user=request.user)
    return redirect(reverse("account:home") + "?sent=1")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "web/account/password_change.html"
    success_url = reverse_lazy("account:password-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "web/account/password_change_done.html"


@never_cache
@login_required
def delete(request):
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            old_username = account_services.account_delete(
                user=request.user, password=form.cleaned_data["password"]
            )
        except AccountError as error:
            form.add_account_error(error)
        else:
            checkouts_delete_of_user(user=request.user)
            logout(request)
            # The failed sign-ins kept under the old name are personal data too.
            axes_reset(username=old_username)
            return redirect("web:account-deleted")
    return render(request, "web/account/delete.html", {"form": form})


def deleted(request):
    return render(request, "web/account/deleted.html")
