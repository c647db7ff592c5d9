from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "storefront.catalog"
    label = "catalog"
    verbose_name = "商品目录 Catalogue"

    def ready(self):
        from storefront.core import hooks

        from . import receivers

        hooks.organisation_changed.register(receivers.organisation_changed)
        hooks.admin_changed.register(receivers.admin_changed)
