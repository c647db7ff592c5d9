from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "storefront.accounts"
    label = "accounts"
    verbose_name = "顾客账户 Shopper accounts"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
