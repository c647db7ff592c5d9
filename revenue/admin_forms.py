"""Operator-only access for the revenue admin, and its forms.

The forms only parse what was typed. Whether an agreement may exist is for
`revenue.agreements` to say (`check_rates`, and `agreement_check` for the
scope, the start date and overlaps); its `RevenueError` messages are shown on
the form, on the field they name. The admin writes through the same module.
"""

import re
from decimal import Decimal

from django import forms

from brands.admin import ActionGatedAdmin, ReadOnlyAdmin
from brands.permissions import Action
from storefront.core.errors import DomainError

from .agreements import agreement_check, check_rates
from .errors import RevenueError
from .models import Party, ShareAgreement
from .models.agreements import RATE_FIELDS

# The service names fields as the GraphQL API does; the form as the model does.
SERVICE_FIELDS = {"effectiveFrom": "effective_from", "rates": None}

PERCENT_HELP = (
    "百分比，最多两位小数，例如 70 或 12.50 "
    "(a percentage with at most two decimals, e.g. 70 or 12.50)"
)
PERCENT_FORMAT = re.compile(r"^-?\d{1,6}(\.\d{1,2})?$")


class RevenueOperatorAccess(ActionGatedAdmin):
    """Admin access for whoever may manage revenue (platform operators)."""

    admin_action = Action.MANAGE_REVENUE


class RevenueViewOnly(ReadOnlyAdmin, RevenueOperatorAccess):
    """Ledger rows are written by the services only: operators look."""


def add_revenue_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's error on the field it names, or above the form."""
    field = SERVICE_FIELDS.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


def bp_to_percent(bp: int) -> str:
    return f"{Decimal(bp) / 100:.2f}"


class PercentField(forms.Field):
    """A percentage typed as text, cleaned to whole basis points (70.00 →
    7000). The range is left to `check_rates`, which says it in both
    languages."""

    def __init__(self, label: str, **kwargs):
        super().__init__(
            label=f"{label}（%）",
            help_text=PERCENT_HELP,
            widget=forms.TextInput(
                attrs={"inputmode": "decimal", "size": 8, "maxlength": 12}
            ),
            error_messages={
                "required": "请填写百分比（可以是 0）/ Enter a percentage (0 is fine)"
            },
            **kwargs,
        )

    def prepare_value(self, value):
        return bp_to_percent(value) if isinstance(value, int) else value

    def to_python(self, value) -> int | None:
        text = str(value or "").strip().removesuffix("%").strip()
        if not text:
            return None
        if not PERCENT_FORMAT.match(text):
            raise forms.ValidationError(
                "请填写百分比数字，最多两位小数，例如 12.50 / "
                "Enter a percentage with at most two decimals, for example 12.50",
                code="invalid_percent",
            )
        return int(Decimal(text) * 100)  # exact: at most two decimals


RATE_LABELS = {
    "workshop_bp": "工坊 workshop",
    "village_bp": "村集体 village",
    "brand_bp": "品牌 brand",
    "host_bp": "主播佣金 host commission",
    "platform_bp": "平台 platform",
}


class ShareAgreementForm(forms.ModelForm):
    """A new agreement version, or a change to one that has not started.

    Validated by `agreement_check`, so each of its errors lands on this form;
    the admin then saves through `agreement_create`, or `agreement_replace`
    for a future version being changed (`agreement_values` holds what to
    pass them)."""

    workshop_bp = PercentField(RATE_LABELS["workshop_bp"])
    village_bp = PercentField(RATE_LABELS["village_bp"])
    brand_bp = PercentField(RATE_LABELS["brand_bp"])
    host_bp = PercentField(RATE_LABELS["host_bp"])
    platform_bp = PercentField(RATE_LABELS["platform_bp"])

    class Meta:
        model = ShareAgreement
        fields = (
            "brand",
            "workshop",
            "category",
            "effective_from",
            *RATE_FIELDS,
            "unattributed_host_share_to",
            "fee_bearer",
            "note",
        )
        # The rates are checked by `agreement_check`, which says what they add
        # up to; left to the model too, its check constraints would repeat
        # that in Django's words.
        exclude = RATE_FIELDS  # noqa: DJ006 (declared as PercentFields above)
        help_texts = {
            "brand": "留空 = 平台默认 (blank = the platform-wide default)",
            "workshop": (
                "只对该工坊生效；须是销售该品牌的工坊 "
                "(only for this workshop; it must sell under the brand)"
            ),
            "category": (
                "只对该分类及其子分类生效 (only for this category and its children)"
            ),
            "effective_from": (
                "不能早于今天 (today or later: orders already split keep theirs)"
            ),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.agreement_values: dict | None = None
        # Excluded from the model (Meta.exclude), so shown from it by hand.
        for field in RATE_FIELDS:
            self.initial.setdefault(field, getattr(self.instance, field))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        values = {
            name: cleaned.get(name)
            for name in ("brand", "workshop", "category", "effective_from")
        }
        values.update(
            note=cleaned.get("note") or "",
            unattributed_host_share_to=cleaned["unattributed_host_share_to"],
            fee_bearer=cleaned["fee_bearer"],
        )
        values.update({field: cleaned.get(field) or 0 for field in RATE_FIELDS})
        replacing = self.instance if self.instance.pk is not None else None
        try:
            check_rates({field: values[field] for field in RATE_FIELDS})
            agreement_check(user=self.user, replacing=replacing, **values)
        except RevenueError as error:
            add_revenue_error(self, error)
        else:
            self.agreement_values = values
        return cleaned


class PartyPayoutForm(forms.ModelForm):
    """Where a party's money goes: a Stripe connected account, or a Chinese
    bank account given in full. Never who the party is."""

    class Meta:
        model = Party
        fields = (
            "stripe_account_id",
            "bank_account_name",
            "bank_name",
            "bank_account_number",
        )
        help_texts = {
            "stripe_account_id": "例如 for example acct_1Nv0FG2eZvKYlo2C",
            "bank_account_number": (
                "8–30 位数字，空格会被去掉 (8–30 digits; spaces are removed)"
            ),
        }

    BANK_FIELDS = ("bank_account_name", "bank_name", "bank_account_number")

    def clean_stripe_account_id(self) -> str:
        value = self.cleaned_data["stripe_account_id"].strip()
        if value and not re.fullmatch(r"acct_[A-Za-z0-9]+", value):
            raise forms.ValidationError(
                "Stripe 收款账户应形如 acct_1Nv0FG2eZvKYlo2C / "
                "A Stripe connected account looks like acct_1Nv0FG2eZvKYlo2C",
                code="invalid_stripe_account",
            )
        return value

    def clean_bank_account_number(self) -> str:
        value = re.sub(r"\s+", "", self.cleaned_data["bank_account_number"])
        if value and not re.fullmatch(r"[0-9]{8,30}", value):
            raise forms.ValidationError(
                "银行账号只能是 8–30 位数字 / "
                "The account number must be 8–30 digits and nothing else",
                code="invalid_bank_account_number",
            )
        return value

    def clean(self):
        cleaned = super().clean()
        given = {name for name in self.BANK_FIELDS if cleaned.get(name)}
        # A field that failed its own check is given, just not well.
        given |= {name for name in self.BANK_FIELDS if name in self.errors}
        if given and given != set(self.BANK_FIELDS):
            for name in set(self.BANK_FIELDS) - given:
                self.add_error(
                    name,
                    forms.ValidationError(
                        "银行账户须填齐开户名、开户行和账号，或全部留空 / "
                        "Give the account name, bank and account number "
                        "together, or none of them",
                        code="incomplete_bank_account",
                    ),
                )
        return cleaned
