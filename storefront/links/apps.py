from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "storefront.links"
    label = "links"
    verbose_name = "主播链接 Host links"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from storefront.core import hooks

        from .attribution import attribution_for_order

        hooks.order_credit.register(attribution_for_order)
