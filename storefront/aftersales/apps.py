from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "storefront.aftersales"
    label = "aftersales"
    verbose_name = "售后 After-sales"
