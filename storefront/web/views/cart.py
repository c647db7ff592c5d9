"""The cart: add from a product page, change quantities, remove lines.

Prices are never read from the form: the page shows what
storefront.checkout.selectors computes from the variants. A refused change
(CheckoutError) comes back as a message on the page and changes nothing. A
refused add goes back to the product page by post/redirect/get (the message
rides in the session, once), so a refresh never posts again.
"""

from dataclasses import dataclass

from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from brands.permissions import Action, user_can
from storefront.catalog.models import Product
from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.selectors import (
    PricedLine,
    checkout_lines,
    checkout_summary,
)
from storefront.checkout.services import (
    available_quantity,
    checkout_create,
    checkout_lines_add,
    checkout_lines_delete,
    checkout_lines_update,
)
from storefront.core.ids import pk_from_text
from storefront.links.attribution import live_purchase_touch

from .. import cart_session
from ..page_cache import ADD_ERROR_KEY

ERROR_STATUS = 400


@dataclass(frozen=True)
class CartRow:
    priced: PricedLine
    on_sale: bool
    available: int | None

    @property
    def short_of_stock(self) -> bool:
        return self.available is not None and self.priced.quantity > self.available


def cart_context(checkout) -> dict:
    """The summary (one block per workshop) and a row per line saying whether
    it can still be bought as it is; reads only what checkout_lines loads."""
    if checkout is None:
        return {"summary": None, "parcels": []}
    summary = checkout_summary(checkout, checkout_lines(checkout))
    parcels = [
        (
            shipment,
            [
                CartRow(
                    priced=priced,
                    on_sale=priced.variant.product.is_on_sale,
                    available=available_quantity(priced.variant),
                )
                for priced in shipment.lines
            ],
        )
        for shipment in summary.shipments
    ]
    return {"summary": summary, "parcels": parcels}


def _render_cart(request, checkout, *, status=200, **extra):
    context = cart_context(checkout)
    context.update(extra)
    summary = context["summary"]
    cart_session.set_count(
        request, sum(priced.quantity for priced in summary.lines) if summary else 0
    )
    in_cart = {priced.variant.pk for priced in summary.lines} if summary else set()
    if context.get("error_variant_id") not in in_cart:
        # No line to show it by: the message goes above the cart instead.
        context["error_variant_id"] = None
    return render(request, "web/cart.html", context, status=status)


@never_cache
@require_GET
def cart(request):
    refused = request.session.pop(ADD_ERROR_KEY, None)
    extra = {"error": refused["message"]} if isinstance(refused, dict) else {}
    return _render_cart(request, cart_session.current_checkout(request), **extra)


@never_cache
@require_POST
def cart_add(request):
    variant_id = request.POST.get("variant", "").strip()
    quantity = request.POST.get("quantity", "").strip()
    existing = cart_session.current_checkout(request)
    try:
        # A refused first add must not leave an empty cart behind either.
        with transaction.atomic():
            checkout = existing or checkout_create(user=request.user)
            checkout_lines_add(checkout=checkout, lines=[(variant_id, quantity)])
    except CheckoutError as error:
        return _add_refused(request, variant_id, quantity, error)
    cart_session.remember(request, checkout)
    cart_session.count_lines(request, checkout)
    # 立即购买 (buy now) is the same form's other button.
    response = redirect("web:checkout" if "buy_now" in request.POST else "web:cart")
    if (live_pk := pk_from_text(request.POST.get("live_session", ""))) is not None:
        # Bought from a live session's page: that is the latest touch.
        live_purchase_touch(
            request, response, live_pk, variant_pk=pk_from_text(variant_id)
        )
    return response


def _add_refused(request, variant_id, quantity, error):
    """Back to the product page with the message by its form, when the
    visitor may see that product; otherwise to the cart with the message."""
    product = None
    if (pk := pk_from_text(variant_id)) is not None:
        product = (
            Product.objects.filter(variants__pk=pk)
            .select_related("brand", "workshop")
            .first()
        )
    if product is None or not user_can(request.user, Action.VIEW_PRODUCT, product):
        request.session[ADD_ERROR_KEY] = {"message": error.message}
        return redirect("web:cart")
    request.session[ADD_ERROR_KEY] = {
        "message": error.message,
        "product": product.pk,
        "variant": pk,
        "quantity": quantity[:10],
    }
    return redirect("web:product", slug=product.slug)


def add_refused_for(request, product) -> dict:
    """The refused add waiting for this product page (taken once), as the
    context web/includes/add_to_cart.html shows; {} when there is none."""
    refused = request.session.get(ADD_ERROR_KEY)
    if not isinstance(refused, dict) or refused.get("product") != product.pk:
        return {}
    del request.session[ADD_ERROR_KEY]
    return {
        "add_error": refused["message"],
        "add_variant_id": refused["variant"],
        "add_quantity": refused["quantity"],
    }


@never_cache
@require_POST
def cart_update(request):
    variant_id = request.POST.get("variant", "").strip()
    quantity = request.POST.get("quantity", "").strip()
    checkout = cart_session.current_checkout(request)
    try:
        if checkout is None:
            raise CheckoutError(CheckoutErrorCode.LINE_NOT_FOUND, field="variant")
        checkout_lines_update(checkout=checkout, lines=[(variant_id, quantity)])
        cart_session.count_lines(request, checkout)
    except CheckoutError as error:
        return _render_cart(
            request,
            checkout,
            status=ERROR_STATUS,
            error=error.message,
            error_variant_id=pk_from_text(variant_id),
            error_quantity=quantity,
        )
    return redirect("web:cart")


@never_cache
@require_POST
def cart_remove(request):
    variant_id = request.POST.get("variant", "").strip()
    checkout = cart_session.current_checkout(request)
    try:
        if checkout is None:
            raise CheckoutError(CheckoutErrorCode.LINE_NOT_FOUND, field="variant")
        checkout_lines_delete(checkout=checkout, variant_ids=[variant_id])
        cart_session.count_lines(request, checkout)
    except CheckoutError as error:
        return _render_cart(request, checkout, status=ERROR_STATUS, error=error.message)
    return redirect("web:cart")
