"""Forms for the operator admin of orders: the delivery details an operator may
correct, a refund, and a parcel's carrier and tracking number.

They only parse what was typed; whether a refund or a shipment is allowed is
for the services to say (`order_refund`, `fulfillment_ship`), and their
`DomainError` messages are shown on these forms."""

from django import forms

from storefront.checkout.errors import CheckoutError
from storefront.checkout.services import clean_address
from storefront.core.address import ADDRESS_FIELDS
from storefront.core.errors import DomainError
from storefront.core.money import MoneyParseError, fen_to_yuan_string, parse_yuan
from storefront.orders.carriers import Carrier, carrier_code
from storefront.orders.models import Order

# Fields an operator may correct on a customer's behalf: nothing about money,
# status or what was bought.
ORDER_EDITABLE_FIELDS = ("email", "note", *ADDRESS_FIELDS)


class CarrierField(forms.ChoiceField):
    """A select of the carriers (storefront.orders.carriers); a carrier's name
    posted instead of its code (顺丰速运, 中通) is read as its code."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": "请从列表中选择快递公司 / "
                "Choose a carrier from the list"
            },
        )
        super().__init__(choices=[("", "—"), *Carrier.choices], **kwargs)

    def to_python(self, value):
        value = super().to_python(value).strip()
        return carrier_code(value) or value if value else ""


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's error on the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class OrderForm(forms.ModelForm):
    """The delivery address is checked by the same rule as at checkout."""

    class Meta:
        model = Order
        fields = ORDER_EDITABLE_FIELDS

    def clean(self):
        cleaned = super().clean()
        if not any(name in self.fields for name in ADDRESS_FIELDS):
            return cleaned
        address = {
            name: cleaned.get(name, getattr(self.instance, name))
            for name in ADDRESS_FIELDS
        }
        try:
            cleaned.update(clean_address(address))
        except CheckoutError as error:
            add_domain_error(self, error)
        return cleaned


class RefundForm(forms.Form):
    """An amount in yuan, units to put back in stock per line, a reason."""

    amount = forms.CharField(
        label="退款金额（元）amount, yuan",
        max_length=20,
        help_text="例如 for example 12.80",
    )
    reason = forms.CharField(label="退款原因 reason", max_length=200, required=False)

    def __init__(self, *args, order: Order, lines=(), **kwargs):
        self.order = order
        kwargs.setdefault(
            "initial", {"amount": fen_to_yuan_string(order.refundable_fen)}
        )
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            returnable = line.quantity - line.quantity_restocked
            self.fields[self.restock_field(line)] = forms.IntegerField(
                label=str(line),
                min_value=0,
                max_value=returnable,
                required=False,
                initial=0,
                help_text=f"最多 at most {returnable}",
            )

    @staticmethod
    def restock_field(line) -> str:
        return f"restock_{line.pk}"

    def main_fields(self):
        return [self["amount"], self["reason"]]

    def restock_fields(self):
        return [self[self.restock_field(line)] for line in self.lines]

    def clean_amount(self) -> int:
        try:
            fen = parse_yuan(self.cleaned_data["amount"])
        except MoneyParseError as error:
            raise forms.ValidationError(
                [
                    forms.ValidationError(message, code="invalid_amount")
                    for message in (
                        "金额格式不正确，请以元填写，例如 12.80 / "
                        "Enter the amount in yuan, for example 12.80",
                        error.message,
                    )
                ]
            ) from None
        if fen <= 0:
            raise forms.ValidationError(
                "退款金额须大于 0 / The amount must be above ¥0.00",
                code="invalid_amount",
            )
        return fen

    def restock(self) -> dict[int, int]:
        units = {}
        for line in self.lines:
            value = self.cleaned_data.get(self.restock_field(line))
            if value:
                units[line.pk] = value
        return units


class RefundConfirmForm(forms.Form):
    """The second step of the full-refund action: the operator confirms."""

    reason = forms.CharField(label="退款原因 reason", max_length=200, required=False)


class ShipForm(forms.Form):
    """One parcel: both left blank means "not this one yet"."""

    carrier = CarrierField(label="快递公司 carrier", required=False)
    tracking_number = forms.CharField(
        label="运单号 tracking number", max_length=50, required=False
    )

    def is_filled(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("carrier") or data.get("tracking_number"))
