from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "storefront.web"
    label = "web"
    verbose_name = "商城页面 Storefront pages"
