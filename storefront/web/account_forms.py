"""Forms of the shopper's account pages. Their checks are the accounts
domain's own (AccountError, "中文 / English"); the services check again."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError

from storefront.accounts.address_paste import MAX_PASTE_LENGTH
from storefront.accounts.errors import AccountError, AccountErrorCode
from storefront.accounts.services import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    check_password_strength,
)

from .forms import CheckoutForm

REQUIRED = "请填写此项 / This field is required"


def _message(code) -> str:
    return AccountError(code).message


def _email_field(**attrs) -> forms.EmailField:
    return forms.EmailField(
        max_length=EMAIL_MAX_LENGTH,
        error_messages={
            "required": REQUIRED,
            "invalid": _message(AccountErrorCode.INVALID_EMAIL),
            "max_length": _message(AccountErrorCode.INVALID_EMAIL),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", **attrs}),
    )


def _mobile_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=20,
        error_messages={"max_length": _message(AccountErrorCode.INVALID_MOBILE)},
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}
        ),
    )


class ErrorsFromService:
    def add_account_error(self, error: AccountError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class SignupForm(ErrorsFromService, forms.Form):
    email = _email_field()
    password = forms.CharField(
        strip=False,
        error_messages={"required": REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    mobile = _mobile_field()


class ProfileForm(ErrorsFromService, forms.Form):
    name = forms.CharField(
        required=False,
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    mobile = _mobile_field()


class EmailChangeForm(ErrorsFromService, forms.Form):
    email = _email_field()


class DeleteForm(ErrorsFromService, forms.Form):
    password = forms.CharField(
        strip=False,
        error_messages={"required": REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with the password rules' reasons in Chinese and English."""

    def validate_password_for_user(self, user, password_field_name="new_password2"):
        password = self.cleaned_data.get(password_field_name)
        if password:
            try:
                check_password_strength(password=password, user=user)
            except AccountError as error:
                self.add_error(password_field_name, ValidationError(error.message))


def _checkout_field(name: str):
    # The checkout form's own field: the same lengths, choices and messages.
    return CheckoutForm.base_fields[name]


class AddressForm(ErrorsFromService, forms.Form):
    recipient_name = _checkout_field("recipient_name")
    phone = _checkout_field("phone")
    province = _checkout_field("province")
    city = _checkout_field("city")
    district = _checkout_field("district")
    street_address = _checkout_field("street_address")
    postal_code = forms.CharField(
        required=False,
        max_length=6,
        error_messages={"max_length": _message(AccountErrorCode.POSTAL_CODE_INVALID)},
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "inputmode": "numeric"}
        ),
    )
    is_default = forms.BooleanField(required=False)

    clean_phone = CheckoutForm.clean_phone

    def address(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "is_default"
        }


class AddressPasteForm(forms.Form):
    text = forms.CharField(
        max_length=MAX_PASTE_LENGTH,
        error_messages={
            "required": _message(AccountErrorCode.NOT_AN_ADDRESS),
            "max_length": _message(AccountErrorCode.PASTE_TOO_LONG),
        },
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "maxlength": MAX_PASTE_LENGTH,
                "placeholder": "王小明 13800138000 浙江省宁波市象山县高泥村 1 号",
            }
        ),
    )
