"""An order event as one readable line for the operator's order page:

    2026-12-07 14:02 · 发货 shipped · 已支付 paid → 已发货 fulfilled ·
    工坊 workshop 黄鱼工坊 · 顺丰速运 SF Express SF1234567890123 · by operator

Labels come from the models' choices (Chinese first, English alongside);
a key this module does not know is still shown, as "key: value", so no event
is ever hidden because its data grew a field.
"""

import json

from django.utils import timezone

from storefront.core.money import format_fen
from storefront.orders.carriers import carrier_name
from storefront.orders.models import OrderEvent, OrderEventType, OrderStatus

SEPARATOR = " · "
SYSTEM = "系统 system"

KEY_LABELS = {
    "workshop": "工坊 workshop",
    "to": "收件人 to",
    "emails": "邮件 emails",
    "wecom": "企业微信 WeCom",
    "payment_intent": "支付 payment",
    "refund": "退款 refund",
    "reason": "原因 reason",
    "message": "原因 message",
    "source": "来源 source",
    "lines": "退回库存 restocked",
    "amount": "金额 amount",
    "total": "应付 total",
    "refunded": "已退 refunded",
}
# Shown together (a status change, a carrier with its number), not one by one.
COMBINED = {"previous", "status", "carrier", "tracking_number", "old", "new"}


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value)


def _parcel(data) -> str:
    if not isinstance(data, dict):
        return str(data)
    carrier = data.get("carrier") or ""
    number = data.get("tracking_number") or ""
    return " ".join(part for part in (carrier_name(carrier), number) if part)


def _value(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is True:
        return "是 yes"
    if value is False:
        return "否 no"
    return str(value)


def event_details(data: dict) -> list[str]:
    data = data if isinstance(data, dict) else {"data": data}
    parts = []
    if "previous" in data and "status" in data:
        parts.append(
            f"{_label(OrderStatus, data['previous'])} → "
            f"{_label(OrderStatus, data['status'])}"
        )
    for key, value in sorted(data.items()):
        if key in COMBINED or value in (None, "", [], {}):
            continue
        if key.endswith("_fen") and isinstance(value, int):
            name = key.removesuffix("_fen")
            parts.append(f"{KEY_LABELS.get(name, name)} {format_fen(value)}")
        else:
            parts.append(f"{KEY_LABELS.get(key, key)} {_value(value)}")
    if data.get("carrier") or data.get("tracking_number"):
        parts.append(_parcel(data))
    if "old" in data or "new" in data:
        parts.append(
            f"{_parcel(data.get('old') or {})} → {_parcel(data.get('new') or {})}"
        )
    return parts


def event_line(event: OrderEvent) -> str:
    """ "2026-12-07 14:02 · 发货 shipped · … · by operator" (local time)."""
    when = timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M")
    who = f"by {event.user.get_username()}" if event.user_id else SYSTEM
    return SEPARATOR.join(
        [when, _label(OrderEventType, event.type), *event_details(event.data), who]
    )
