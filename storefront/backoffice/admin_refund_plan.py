"""The refund an operator is asked to confirm, carried from the confirmation
page to the refund signed, so that what is refunded is exactly the amount
shown ("将退款 ¥50.00"), for that order, by that operator, from the refund
position the page was made from. A page left open too long, or an order
refunded meanwhile (a double click), asks again instead of refunding twice."""

from dataclasses import dataclass

from django.core import signing

from storefront.orders.errors import MESSAGES, OrderErrorCode
from storefront.payments.refunds import refunded_so_far

# Named after the module it was first in: pages open across a deploy still load.
SALT = "storefront.orders.admin.refund-confirmation"
MAX_AGE_SECONDS = 15 * 60


class RefundPlanError(Exception):
    def __init__(self, zh: str, en: str):
        self.message = f"{zh} / {en}"
        super().__init__(self.message)


EXPIRED = RefundPlanError(
    "确认页已失效或被改动，请重新填写退款",
    "The confirmation expired or was altered; enter the refund again",
)
CHANGED = RefundPlanError(*MESSAGES[OrderErrorCode.REFUND_CHANGED])


@dataclass(frozen=True)
class RefundPlan:
    token: str
    amount_fen: int
    restock: dict[int, int]
    reason: str
    # What the page showed as refunded already: checked again under the
    # order's lock, so two submissions of one confirmation refund once.
    refunded_fen: int


def refund_plan_sign(*, order, user, amount_fen: int, restock: dict, reason: str):
    refunded = refunded_so_far(order)
    data = {
        "order": order.pk,
        "user": user.pk,
        "refunded": refunded,
        "amount": amount_fen,
        "restock": {str(k): v for k, v in restock.items()},
        "reason": reason,
    }
    token = signing.dumps(data, salt=SALT, compress=True)
    return RefundPlan(token, amount_fen, dict(restock), reason, refunded)


def refund_plan_load(token: str, *, order, user) -> RefundPlan:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise EXPIRED from None
    if data.get("order") != order.pk or data.get("user") != user.pk:
        raise EXPIRED
    if data.get("refunded") != refunded_so_far(order):
        raise CHANGED
    restock = {int(k): v for k, v in data["restock"].items()}
    return RefundPlan(token, data["amount"], restock, data["reason"], data["refunded"])
