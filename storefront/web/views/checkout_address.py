"""Filling the checkout's address fields from a saved address or a pasted
text. A plain form round trip (no script): the fill is kept in the session
and the checkout page shows it in the fields, for the shopper to check and
place the order; nothing is written to the cart until then."""

from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from storefront.accounts import addresses as book
from storefront.accounts.address_paste import address_parse
from storefront.accounts.errors import AccountError
from storefront.accounts.models import Address
from storefront.core.address import ADDRESS_FIELDS

from ..account_forms import AddressPasteForm
from ..paste_limit import TOO_MANY_REQUESTS, paste_refusal

FILL_KEY = "checkout_address_fill"
ERROR_KEY = "checkout_address_error"


def _fields(address: Address) -> dict[str, str]:
    return address.address_dict()


@never_cache
@require_POST
def checkout_address_fill(request):
    if "address" in request.POST:
        try:
            address = book.address_of(request.user, request.POST["address"])
        except Address.DoesNotExist:
            request.session[ERROR_KEY] = "no_address"
        else:
            request.session[FILL_KEY] = _fields(address)
        return redirect("web:checkout")
    if refusal := paste_refusal(request):
        # Shown on the checkout page itself, answered 429 (not redirected).
        from .checkout import checkout_page

        request.session[ERROR_KEY] = refusal.message
        return checkout_page(request, status=TOO_MANY_REQUESTS)
    form = AddressPasteForm(request.POST)
    if not form.is_valid():
        request.session[ERROR_KEY] = form.errors["text"][0]
        return redirect("web:checkout")
    try:
        fields = address_parse(form.cleaned_data["text"])
    except AccountError as error:
        request.session[ERROR_KEY] = error.message
    else:
        # Only what was found: a field the text lacks keeps what was there.
        request.session[FILL_KEY] = {k: v for k, v in fields.items() if v}
    return redirect("web:checkout")


def address_tools(request, initial: dict) -> dict:
    """What the checkout page adds for the address: the saved addresses (the
    default, or the one just picked, selected), the paste form and its
    error; updates `initial` with a pending fill or, for a signed-in shopper
    whose cart has no address yet, the default address."""
    fill = request.session.pop(FILL_KEY, None)
    error = request.session.pop(ERROR_KEY, None)
    saved = list(book.addresses_of(request.user))
    if isinstance(fill, dict):
        initial.update({k: v for k, v in fill.items() if k in ADDRESS_FIELDS})
    elif saved and not any(initial.get(name) for name in ADDRESS_FIELDS):
        default = next((a for a in saved if a.is_default), saved[0])
        initial.update(_fields(default))
    if error == "no_address":
        error = "找不到这个地址 / This address was not found"
    chosen = next(
        (
            a.pk
            for a in saved
            if all(initial.get(n) == getattr(a, n) for n in ADDRESS_FIELDS)
        ),
        None,
    )
    return {
        "saved_addresses": saved,
        "chosen_address": chosen,
        "paste_form": AddressPasteForm(),
        "paste_error": error,
    }
