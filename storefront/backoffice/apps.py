from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The operator admin's pages that span domains (an order with its
    payments and refunds): admin layer, above orders and payments."""

    name = "storefront.backoffice"
    label = "backoffice"
    verbose_name = "运营后台 Back office"
