"""Sign in with the username, the email address or the mobile number.

It follows axes' AxesStandaloneBackend in AUTHENTICATION_BACKENDS, so every
attempt is still counted and refused while locked. `axes_username` (settings
AXES_USERNAME_CALLABLE) counts an attempt against the account the identifier
names, whichever of the three was typed: otherwise a guesser would get five
tries per identifier."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from storefront.core.address import is_mainland_mobile, normalise_mobile


def user_for_identifier(identifier: str):
    """The one active account an email address or mobile number names, else
    None (unknown, or shared by several accounts, which then sign in by
    username)."""
    text = (identifier or "").strip()
    users = get_user_model().objects.filter(is_active=True)
    if "@" in text:
        matches = users.filter(email__iexact=text)
    elif is_mainland_mobile(text):
        matches = users.filter(profile__mobile=normalise_mobile(text))
    else:
        return None
    found = list(matches[:2])
    return found[0] if len(found) == 1 else None


class EmailOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return super().authenticate(
                request, username=username, password=password, **kwargs
            )
        user = None
        if not get_user_model().objects.filter(username=username).exists():
            user = user_for_identifier(username)
        if user is None:
            return super().authenticate(
                request, username=username, password=password, **kwargs
            )
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials=None) -> str | None:
    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "POST", {}).get("username")
    if not typed:
        return typed
    user = user_for_identifier(typed)
    return user.get_username() if user is not None else typed
