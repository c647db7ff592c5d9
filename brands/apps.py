from django.apps import AppConfig


class BrandsConfig(AppConfig):
    name = "brands"
    verbose_name = "品牌、村与工坊 Brands, villages and workshops"
