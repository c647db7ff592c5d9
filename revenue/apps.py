from django.apps import AppConfig


class RevenueConfig(AppConfig):
    name = "revenue"
    verbose_name = "分账与结算 Revenue share"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from storefront.core import hooks

        from . import receivers

        hooks.order_paid.register(receivers.schedule_split)
        hooks.order_refunding.register(receivers.split_before_refund)
        hooks.refund_booked.register(receivers.reverse_refunded_split)
