"""Paid orders of a signed-in shopper with real variants, parcels (some
shipped with tracking numbers), timeline events and after-sales requests:
what 我的订单 shows. Shared by the page tests and bench/account_bench.py."""

import uuid
from datetime import timedelta

from django.utils import timezone

from storefront.aftersales.models import AfterSalesRequest, Kind, Reason
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)


def make_shopper_orders(user, variants, count: int, *, start: int = 0) -> list[Order]:
    """`count` orders of `user`, each buying every variant of `variants`
    once (a parcel per workshop); every other parcel shipped with a tracking
    number, every third order with an after-sales request. Bulk-written."""
    now = timezone.now()
    orders = []
    for i in range(start, start + count):
        subtotal = sum(v.price_fen for v in variants)
        orders.append(
            Order(
                number=f"GF-AC-{user.pk}-{i:06d}",
                checkout_token=uuid.uuid4(),
                user=user,
                status=OrderStatus.PAID,
                email=user.email or "buyer@example.cn",
                subtotal_fen=subtotal,
                shipping_fen=0,
                total_fen=subtotal,
                paid_fen=subtotal,
                paid_at=now - timedelta(minutes=count - i),
                recipient_name="王小明",
                phone="13800138000",
                province="浙江省",
                city="宁波市",
                district="象山县",
                street_address="黄避岙乡高泥村 1 号",
            )
        )
    Order.objects.bulk_create(orders)
    lines, parcels, events = [], [], []
    for i, order in enumerate(orders):
        by_workshop = {}
        for v in variants:
            product = v.product
            lines.append(
                OrderLine(
                    order=order,
                    variant=v,
                    product=product,
                    brand=product.brand,
                    workshop_id=product.workshop_id,
                    product_name=product.name,
                    variant_name=v.name,
                    sku=v.sku,
                    brand_name=product.brand.name,
                    workshop_name=product.workshop.name,
                    village_name="东门村",
                    unit_price_fen=v.price_fen,
                    quantity=1,
                    total_fen=v.price_fen,
                    quantity_reserved=1,
                )
            )
            by_workshop[product.workshop_id] = (
                by_workshop.get(product.workshop_id, 0) + v.price_fen
            )
        for workshop_id, sub in by_workshop.items():
            shipped = i % 2 == 0
            parcels.append(
                Fulfillment(
                    order=order,
                    workshop_id=workshop_id,
                    subtotal_fen=sub,
                    shipping_fen=0,
                    status=FulfillmentStatus.SHIPPED
                    if shipped
                    else FulfillmentStatus.PENDING,
                    carrier="sf" if shipped else "",
                    tracking_number=f"SF{1400000000000 + i}" if shipped else "",
                    shipped_at=timezone.now() if shipped else None,
                )
            )
        events += [
            OrderEvent(order=order, type=OrderEventType.PLACED),
            OrderEvent(
                order=order,
                type=OrderEventType.PAID,
                data={"previous": "unpaid", "status": "paid"},
            ),
            OrderEvent(order=order, type=OrderEventType.EMAIL_SENT, data={"to": "x"}),
        ]
    OrderLine.objects.bulk_create(lines)
    Fulfillment.objects.bulk_create(parcels)
    OrderEvent.objects.bulk_create(events)
    requests = [
        AfterSalesRequest(
            order_id=parcel.order_id,
            fulfillment=parcel,
            workshop_id=parcel.workshop_id,
            kind=Kind.REFUND_ONLY,
            reason=Reason.QUALITY if parcel.tracking_number else Reason.CHANGED_MIND,
            amount_fen=parcel.subtotal_fen,
        )
        for n, parcel in enumerate(parcels)
        if n % 3 == 0
    ]
    AfterSalesRequest.objects.bulk_create(requests)
    return orders
