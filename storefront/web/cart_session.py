"""How a visitor finds their checkout (cart).

A guest's checkout token lives in their session; a signed-in customer uses
their own checkout (the one in the session if it is theirs, else their most
recently touched one). A token in the session never opens a checkout that
belongs to an account other than the visitor's.
"""

from django.db.models import Sum

from storefront.checkout.models import Checkout
from storefront.checkout.selectors import checkout_by_token
from storefront.checkout.services import checkout_attach_to_user

SESSION_KEY = "checkout_token"
# How many items the cart holds, for the header: kept in the session by every
# cart change, so no page queries the cart to show it.
COUNT_KEY = "cart_count"


def session_token(request) -> str | None:
    return request.session.get(SESSION_KEY)


def remember(request, checkout: Checkout) -> None:
    if request.session.get(SESSION_KEY) != str(checkout.token):
        request.session[SESSION_KEY] = str(checkout.token)


def forget(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(COUNT_KEY, None)


def item_count(request) -> int:
    """The header's count; reads only the session (loaded anyway)."""
    count = request.session.get(COUNT_KEY, 0)
    return count if isinstance(count, int) and count > 0 else 0


def set_count(request, count: int) -> None:
    if request.session.get(COUNT_KEY, 0) != count:
        request.session[COUNT_KEY] = count


def count_lines(request, checkout: Checkout | None) -> None:
    """After a change to the cart: one query summing its quantities."""
    total = 0
    if checkout is not None:
        total = checkout.lines.aggregate(total=Sum("quantity"))["total"] or 0
    set_count(request, total)


def _owned_by_visitor(request, checkout: Checkout) -> bool:
    if request.user.is_authenticated:
        return checkout.user_id == request.user.pk
    return checkout.user_id is None


def current_checkout(request) -> Checkout | None:
    """The visitor's checkout, or None when they have none yet."""
    token = session_token(request)
    checkout = checkout_by_token(token) if token else None
    if checkout is not None and _owned_by_visitor(request, checkout):
        return checkout
    if token:
        # Completed (and so deleted), or not this visitor's.
        forget(request)
    if request.user.is_authenticated:
        checkout = (
            Checkout.objects.filter(user=request.user).order_by("-updated_at").first()
        )
        if checkout is not None:
            remember(request, checkout)
            return checkout
    return None


def attach_after_login(request, guest_token: str | None) -> None:
    """Called by the login view once the visitor is signed in: the guest cart
    they filled before signing in joins their account's cart."""
    guest = checkout_by_token(guest_token) if guest_token else None
    if guest is not None and guest.user_id is None:
        joined = checkout_attach_to_user(checkout=guest, user=request.user)
        remember(request, joined)
        count_lines(request, joined)
        return
    forget(request)
    count_lines(request, current_checkout(request))
