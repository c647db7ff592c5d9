"""The checkout page: contact, delivery address, note and the summary; placing
the order, then on to the pay page.

Nothing is written while any field is wrong, and nothing is placed when the
total the customer saw (a hidden field) is not the total now.
"""

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.services import (
    checkout_email_update,
    checkout_note_update,
    checkout_shipping_address_update,
)
from storefront.links.attribution import attribution_from_request
from storefront.payments.checkout_complete import checkout_complete

from .. import cart_session
from ..forms import CheckoutForm, lines_seen, parse_lines_seen
from .cart import ERROR_STATUS, cart_context
from .checkout_address import address_tools


def _render(request, checkout, form, *, status=200, **extra):
    context = cart_context(checkout)
    context.update(
        form=form, reservation_minutes=settings.CHECKOUT_RESERVATION_MINUTES, **extra
    )
    return render(request, "web/checkout.html", context, status=status)


def _what_changed(seen_text: str, summary) -> CheckoutErrorCode:
    """CART_CHANGED when every price the customer saw still holds but the
    lines or quantities differ (another tab changed the cart); otherwise
    PRICE_CHANGED (a price, or a shipping fee)."""
    seen = parse_lines_seen(seen_text)
    if seen is None:
        return CheckoutErrorCode.PRICE_CHANGED
    now = {
        priced.variant.pk: (priced.quantity, priced.unit_price_fen)
        for priced in summary.lines
    }
    if any(
        now[variant][1] != price
        for variant, (_, price) in seen.items()
        if variant in now
    ):
        return CheckoutErrorCode.PRICE_CHANGED
    if {v: q for v, (q, _) in seen.items()} != {v: q for v, (q, _) in now.items()}:
        return CheckoutErrorCode.CART_CHANGED
    return CheckoutErrorCode.PRICE_CHANGED


def _price_changed(request, checkout, summary):
    """The form again as submitted but carrying the new total (and lines), so
    that submitting once more accepts it."""
    data = request.POST.copy()
    code = _what_changed(data.get("seen_lines", ""), summary)
    data["expected_total_fen"] = str(summary.total_fen)
    data["seen_lines"] = lines_seen(summary)
    form = CheckoutForm(data)
    form.is_valid()
    form.add_domain_error(CheckoutError(code, field="expected_total_fen"))
    return _render(
        request, checkout, form, status=ERROR_STATUS, price_changed=summary.total_fen
    )


def checkout_page(request, *, status: int, checkout=None, summary=None):
    """The checkout form as a GET shows it (the cart's address, or a pending
    fill or error of the address tools), answered with `status`."""
    if checkout is None:
        checkout = cart_session.current_checkout(request)
        summary = cart_context(checkout)["summary"]
    if summary is None or not summary.lines:
        return redirect("web:cart")
    initial = CheckoutForm.initial_for(checkout, summary)
    tools = address_tools(request, initial)
    return _render(
        request, checkout, CheckoutForm(initial=initial), status=status, **tools
    )


@never_cache
def checkout(request):
    checkout = cart_session.current_checkout(request)
    context = cart_context(checkout)
    summary = context["summary"]
    if summary is None or not summary.lines:
        return redirect("web:cart")
    if request.method != "POST":
        return checkout_page(request, status=200, checkout=checkout, summary=summary)

    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _render(request, checkout, form, status=ERROR_STATUS)
    expected = form.cleaned_data["expected_total_fen"]
    if expected != summary.total_fen:
        return _price_changed(request, checkout, summary)
    try:
        with transaction.atomic():
            checkout_email_update(checkout=checkout, email=form.cleaned_data["email"])
            checkout_shipping_address_update(checkout=checkout, address=form.address())
            checkout_note_update(checkout=checkout, note=form.cleaned_data["note"])
    except CheckoutError as error:
        form.add_domain_error(error)
        return _render(request, checkout, form, status=ERROR_STATUS)
    return _place(request, checkout, form, expected)


def _place(request, checkout, form, expected_total_fen: int):
    try:
        completed = checkout_complete(
            checkout_token=checkout.token,
            user=request.user,
            expected_total_fen=expected_total_fen,
            attribution=attribution_from_request(request),
        )
    except CheckoutError as error:
        if error.code == CheckoutErrorCode.PRICE_CHANGED:
            return _price_changed(request, checkout, cart_context(checkout)["summary"])
        form.add_domain_error(error)
        return _render(request, checkout, form, status=ERROR_STATUS)
    # Placed, whether or not Stripe could be reached (completed.payment_error):
    # the pay page shows why and starts the payment again when reloaded.
    cart_session.forget(request)
    return redirect("web:order-pay", token=completed.order.token)
