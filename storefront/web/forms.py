"""The checkout form. Its checks give the checkout domain's own messages
(CheckoutError, "中文 / English") next to each field, all at once; the
services check everything again when the form is saved."""

from django import forms

from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.models import NOTE_MAX_LENGTH, Checkout
from storefront.core.address import ADDRESS_FIELDS, Province, is_mainland_mobile


def _message(code, detail: str = "") -> str:
    return CheckoutError(code, detail=detail).message


# Each address field's own name in its messages, so that three empty fields
# do not all say the same thing.
FIELD_NAMES = {
    "recipient_name": ("收件人", "recipient"),
    "phone": ("手机号", "mobile number"),
    "province": ("省份", "province"),
    "city": ("城市", "city"),
    "district": ("区县", "district or county"),
    "street_address": ("详细地址", "street address"),
}


def _address_field(name: str, **attrs) -> forms.CharField:
    max_length = Checkout._meta.get_field(name).max_length
    zh, en = FIELD_NAMES[name]
    return forms.CharField(
        max_length=max_length,
        error_messages={
            "required": _message(CheckoutErrorCode.ADDRESS_REQUIRED, detail=(zh, en)),
            "max_length": _message(
                CheckoutErrorCode.ADDRESS_INVALID,
                detail=(f"{zh} ≤ {max_length}", f"{en} ≤ {max_length}"),
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
            "required": _message(
                CheckoutErrorCode.ADDRESS_REQUIRED, detail=FIELD_NAMES["province"]
            ),
            "invalid_choice": _message(
                CheckoutErrorCode.ADDRESS_INVALID, detail=FIELD_NAMES["province"]
            ),
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

    # What the customer saw in the cart ("variant:quantity:price" per line), so
    # that a changed total can be told apart: a price, or the cart itself.
    seen_lines = forms.CharField(
        required=False, max_length=2000, widget=forms.HiddenInput
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
    def initial_for(cls, checkout: Checkout, summary) -> dict:
        initial = {name: getattr(checkout, name) for name in ADDRESS_FIELDS}
        initial.update(
            email=checkout.email,
            note=checkout.note,
            expected_total_fen=summary.total_fen,
            seen_lines=lines_seen(summary),
        )
        return initial


def lines_seen(summary) -> str:
    return ",".join(
        f"{priced.variant.pk}:{priced.quantity}:{priced.unit_price_fen}"
        for priced in summary.lines
    )


def parse_lines_seen(text: str) -> dict[int, tuple[int, int]] | None:
    """{variant id: (quantity, unit price)}, or None when the field is
    missing or mangled (then nothing can be told apart)."""
    seen = {}
    for part in filter(None, (text or "").split(",")):
        try:
            variant, quantity, price = (int(value) for value in part.split(":"))
        except ValueError:
            return None
        seen[variant] = (quantity, price)
    return seen or None
