"""The checkout form. Its checks give the checkout domain's own messages
(CheckoutError, "中文 / English") next to each field, all at once; the
services check everything again when the form is saved."""

from django import forms

from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.models import NOTE_MAX_LENGTH, Checkout
from storefront.core.address import ADDRESS_FIELDS, Province, is_mainland_mobile


def _message(code, detail: str = "") -> str:
    return CheckoutError(code, detail=detail).message


def _address_field(name: str, **attrs) -> forms.CharField:
    max_length = Checkout._meta.get_field(name).max_length
    return forms.CharField(
        max_length=max_length,
        error_messages={
            "required": _message(CheckoutErrorCode.ADDRESS_REQUIRED),
            "max_length": _message(
                CheckoutErrorCode.ADDRESS_INVALID, detail=f"≤ {max_length}"
            ),
        },
        widget=forms.TextInput(attrs={"maxlength": max_length, **attrs}),
    )


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": _message(CheckoutErrorCode.EMAIL_REQUIRED),
            "invalid": _message(CheckoutErrorCode.EMAIL_INVALID),
            "max_length": _message(CheckoutErrorCode.EMAIL_INVALID),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    recipient_name = _address_field("recipient_name", autocomplete="name")
    phone = _address_field("phone", autocomplete="tel", inputmode="tel", type="tel")
    province = forms.ChoiceField(
        choices=[("", "—"), *Province.choices],
        error_messages={
            "required": _message(CheckoutErrorCode.ADDRESS_REQUIRED),
            "invalid_choice": _message(CheckoutErrorCode.ADDRESS_INVALID),
        },
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )
    city = _address_field("city", autocomplete="address-level2")
    district = _address_field("district", autocomplete="address-level3")
    street_address = _address_field("street_address", autocomplete="street-address")
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX_LENGTH,
        error_messages={"max_length": _message(CheckoutErrorCode.NOTE_TOO_LONG)},
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX_LENGTH}),
    )
    # The total the customer saw; placing the order refuses any other.
    expected_total_fen = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "required": _message(CheckoutErrorCode.PRICE_CHANGED),
            "invalid": _message(CheckoutErrorCode.PRICE_CHANGED),
            "min_value": _message(CheckoutErrorCode.PRICE_CHANGED),
        },
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if not is_mainland_mobile(phone):
            raise forms.ValidationError(_message(CheckoutErrorCode.PHONE_INVALID))
        return phone

    def address(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in ADDRESS_FIELDS}

    def add_domain_error(self, error: CheckoutError) -> None:
        """Show a service's error next to its field, or above the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)

    @classmethod
    def initial_for(cls, checkout: Checkout, total_fen: int) -> dict:
        initial = {name: getattr(checkout, name) for name in ADDRESS_FIELDS}
        initial.update(
            email=checkout.email, note=checkout.note, expected_total_fen=total_fen
        )
        return initial
