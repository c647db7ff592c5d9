from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "storefront.payments"
    label = "payments"
    verbose_name = "支付 Payments"
