"""Public figures: how much has flowed back to a village, and how much of a
product's price goes to its village. Shown to everyone, so they carry no
party's private detail, only totals."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, Sum
from django.utils import timezone

from .agreements import AgreementBook
from .errors import RevenueError, RevenueErrorCode
from .models import Share, ShareRole
from .split import village_share_of
from .statements import TIMEZONE


@dataclass(frozen=True)
class VillageFlow:
    month_fen: int
    year_fen: int


def village_flow(village) -> VillageFlow:
    """The village collective's shares of sales net of refund reversals, this
    month and this year (Asia/Shanghai). Processor fees are left out: they
    are a cost of being paid, not money that stayed away from the village.
    One indexed query."""
    now = timezone.localtime(timezone.now(), TIMEZONE)
    year_start = datetime(now.year, 1, 1, tzinfo=TIMEZONE)
    month_start = datetime(now.year, now.month, 1, tzinfo=TIMEZONE)
    totals = (
        Share.objects.filter(party__village=village, posted_at__gte=year_start)
        .exclude(role=ShareRole.FEE)
        .aggregate(
            year=Sum("amount_fen"),
            month=Sum("amount_fen", filter=Q(posted_at__gte=month_start)),
        )
    )
    return VillageFlow(month_fen=totals["month"] or 0, year_fen=totals["year"] or 0)


def village_share_for_product(product, variant=None) -> int | None:
    """Fen of one unit's price (`variant`, else the product's first size) that
    its workshop's village collective receives under the agreement in force
    today when it sells without a host (the visitor came to the page
    directly). None when no agreement applies or the product has no size."""
    if variant is None:
        variants = list(product.variants.all())
        if not variants:
            return None
        variant = variants[0]
    try:
        terms = AgreementBook().terms_for(
            brand_id=product.brand_id,
            workshop_id=product.workshop_id,
            category_id=product.category_id,
            day=timezone.localdate(),
        )
    except RevenueError as exc:
        if exc.code != RevenueErrorCode.AGREEMENT_MISSING:
            raise
        return None
    return village_share_of(variant.price_fen, terms)
