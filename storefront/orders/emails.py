"""The order confirmation email, sent through Django's email backend."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Order


def order_link(order: Order) -> str:
    return settings.SITE_URL + reverse("web:order", args=[order.token])


def send_confirmation(order: Order) -> None:
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "link": order_link(order),
    }
    send_mail(
        subject=(
            f"【共富工坊】订单 {order.number} 已支付 / Order {order.number} is paid"
        ),
        message=render_to_string("orders/confirmation_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )
