"""Demo revenue: each brand's share agreement (and one workshop and one
category override), and a party with payout details for every demo
workshop, village, brand and the demo livestream host.

Agreements go through `revenue.agreements.agreement_create` as the demo
operator, dated from the start of 2026 (`allow_past`: they are the demo's
history). One in force is never changed, so an existing agreement is left as
it is. Payout details are filled in only where a party has none, so details an
operator entered in the admin survive a rerun.
"""

from django.conf import settings
from django.contrib.auth import get_user_model

from revenue.agreements import agreement_create
from revenue.models import Party, PartyKind, ShareAgreement
from revenue.parties import party_get_or_create
from storefront.payments import gateway
from storefront.payments.errors import PaymentError

from .data import revenue as data

BANK_FIELDS = ("bank_account_name", "bank_name", "bank_account_number")
TARGET_FIELD = {
    PartyKind.WORKSHOP: "workshop",
    PartyKind.VILLAGE: "village",
    PartyKind.BRAND: "brand",
    PartyKind.HOST: "host",
}


def load_revenue(loader) -> None:
    operator = get_user_model()._default_manager.get(username="operator")
    for row in data.AGREEMENTS:
        _load_agreement(loader, row, operator)
    for (kind, key), bank in data.PAYOUT_ACCOUNTS.items():
        _load_party(loader, kind, _target(loader, kind, key), bank)
    connect_stripe(loader, loader.brands[data.STRIPE_CONNECTED_BRAND])


def _target(loader, kind: str, key: str):
    if kind == PartyKind.HOST:
        return get_user_model()._default_manager.get(username=key)
    return {"workshop": loader.workshops, "village": loader.villages}.get(
        kind, loader.brands
    )[key]


def _load_agreement(loader, row: dict, operator) -> None:
    scope = {
        "brand": loader.brands[row["brand"]],
        "workshop": loader.workshops[row["workshop"]] if row["workshop"] else None,
        "category": loader.categories[row["category"]] if row["category"] else None,
        "effective_from": data.AGREEMENTS_FROM,
    }

    def create() -> ShareAgreement:
        return agreement_create(
            user=operator,
            allow_past=True,
            note=row["note"],
            unattributed_host_share_to=row["unattributed_host_share_to"],
            fee_bearer=row["fee_bearer"],
            **scope,
            **row["rates"],
        )

    loader.upsert("agreements", ShareAgreement, scope, {}, create)


def _holder(kind: str, target, party: Party) -> str:
    if kind == PartyKind.BRAND:
        return target.operator_organisation or party.name
    return party.name


def _load_party(loader, kind: str, target, bank: dict | None) -> Party:
    party = Party.objects.filter(kind=kind, **{TARGET_FIELD[kind]: target}).first()
    created = party is None
    if created:
        party = party_get_or_create(kind=kind, target=target)
        loader.summary.created["parties"] += 1
    if bank and party.payout_method is None:
        party.bank_account_name = bank["bank_account_name"] or _holder(
            kind, target, party
        )
        party.bank_name = bank["bank_name"]
        party.bank_account_number = bank["bank_account_number"]
        party.full_clean()
        party.save(update_fields=list(BANK_FIELDS))
        if not created:
            loader.summary.updated["parties"] += 1
    return party


def _account_exists(account_id: str) -> bool:
    try:
        gateway.retrieve_account(account_id)
    except PaymentError as exc:
        if getattr(exc.__cause__, "http_status", None) == 404:
            return False
        raise
    return True


def connect_stripe(loader, brand) -> None:
    """Give one brand a Stripe connected account, so payouts show both ways
    (Stripe transfer and bank file). Without a reachable Stripe the brand keeps
    its bank account and the demo loads anyway."""
    party = Party.objects.get(kind=PartyKind.BRAND, brand=brand)
    if not settings.STRIPE_SECRET_KEY:
        loader.note(
            f"Stripe 未配置：{brand.name} 以银行转账收款 / Stripe is not "
            f"configured: {brand.name_en} is paid by bank transfer"
        )
        return
    try:
        if party.stripe_account_id and _account_exists(party.stripe_account_id):
            return
        account = gateway.create_connected_account(
            email=f"{brand.slug}@example.com",
            metadata={"party": str(party.pk), "demo": "true"},
            # A new key once the old account is gone (a restarted stand-in).
            idempotency_key=(
                f"gongfu-demo-party-{party.pk}-{party.stripe_account_id or 'new'}"
            ),
        )
    except PaymentError as exc:
        if party.stripe_account_id:
            zh = f"{brand.name} 的收款账户 {party.stripe_account_id} 未能核实"
            en = f"{brand.name_en}'s account {party.stripe_account_id} is unchecked"
        else:
            zh = f"{brand.name} 仍以银行转账收款"
            en = f"{brand.name_en} is paid by bank transfer"
        cause = type(exc.__cause__ or exc).__name__
        loader.note(
            f"Stripe 暂时无法连接（{cause}）：{zh} / Stripe cannot be reached "
            f"({cause}): {en} until load_demo runs again"
        )
        return
    party.stripe_account_id = account.id
    party.full_clean()
    party.save(update_fields=["stripe_account_id"])
    loader.summary.updated["parties"] += 1
    loader.say(f"{brand.name} Stripe 收款账户 connected account {account.id}")
