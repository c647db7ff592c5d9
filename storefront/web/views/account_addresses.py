"""The address book at /account/addresses/: list, add, edit, delete, set the
default, and fill the form from a pasted address. Thin: the accounts
services (storefront.accounts.addresses, address_paste) check and write."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from storefront.accounts import addresses as book
from storefront.accounts.address_paste import address_parse
from storefront.accounts.errors import AccountError
from storefront.accounts.models import Address
from storefront.core.http import private_page

from ..account_forms import AddressForm, AddressPasteForm
from ..paste_limit import TOO_MANY_REQUESTS, paste_refusal

ERROR_STATUS = 400


def _own(request, pk) -> Address:
    try:
        return book.address_of(request.user, pk)
    except Address.DoesNotExist:
        raise Http404("no such address") from None


def _page(
    request, *, form=None, paste_form=None, editing=None, pasted=False, status=200
):
    return private_page(
        render(
            request,
            "web/account/addresses.html",
            {
                "addresses": list(book.addresses_of(request.user)),
                "form": form or AddressForm(),
                "paste_form": paste_form or AddressPasteForm(),
                "editing": editing,
                "pasted": pasted,
                "saved": request.GET.get("saved") == "1",
            },
            status=status,
        )
    )


def _save(request, form, *, address_id=None):
    """The form's address saved through the service, or its errors."""
    if not form.is_valid():
        return None
    data = form.address()
    try:
        if address_id is None:
            return book.address_create(
                user=request.user,
                data=data,
                is_default=form.cleaned_data["is_default"],
            )
        return book.address_update(
            user=request.user,
            address_id=address_id,
            data=data,
            is_default=form.cleaned_data["is_default"],
        )
    except AccountError as error:
        form.add_account_error(error)
        return None


def _saved():
    return redirect(reverse("account:addresses") + "?saved=1")


@never_cache
@login_required
def addresses(request):
    if request.method != "POST":
        return _page(request)
    form = AddressForm(request.POST)
    if _save(request, form) is None:
        return _page(request, form=form, status=ERROR_STATUS)
    return _saved()


@never_cache
@login_required
def address_edit(request, pk: int):
    address = _own(request, pk)
    if request.method != "POST":
        initial = {**address.address_dict(), "postal_code": address.postal_code}
        initial["is_default"] = address.is_default
        return _page(request, form=AddressForm(initial=initial), editing=address)
    form = AddressForm(request.POST)
    if _save(request, form, address_id=address.pk) is None:
        return _page(request, form=form, editing=address, status=ERROR_STATUS)
    return _saved()


@never_cache
@login_required
@require_POST
def address_delete(request, pk: int):
    try:
        book.address_delete(user=request.user, address_id=pk)
    except Address.DoesNotExist:
        raise Http404("no such address") from None
    return _saved()


@never_cache
@login_required
@require_POST
def address_default(request, pk: int):
    try:
        book.address_set_default(user=request.user, address_id=pk)
    except Address.DoesNotExist:
        raise Http404("no such address") from None
    return _saved()


@never_cache
@login_required
@require_POST
def address_paste(request):
    """The add form filled from the pasted text, not yet saved: the shopper
    checks it and saves. A text with no address in it changes nothing."""
    paste_form = AddressPasteForm(request.POST)
    if refusal := paste_refusal(request):
        paste_form.is_valid()
        paste_form.errors.clear()
        paste_form.add_error("text", refusal.message)
        return _page(request, paste_form=paste_form, status=TOO_MANY_REQUESTS)
    if paste_form.is_valid():
        try:
            fields = address_parse(paste_form.cleaned_data["text"])
        except AccountError as error:
            paste_form.add_error("text", error.message)
        else:
            return _page(request, form=AddressForm(initial=fields), pasted=True)
    return _page(request, paste_form=paste_form, status=ERROR_STATUS)
