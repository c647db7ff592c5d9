from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "storefront.links"
    label = "links"
    verbose_name = "主播链接 Host links"
    default_auto_field = "django.db.models.BigAutoField"
