"""Sign in and out with Django's own views, in the storefront's templates."""

from urllib.parse import urlsplit

from django.contrib.auth import views as auth_views

from .. import cart_session


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
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
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): the header's sign-out button is a CSRF form."""
