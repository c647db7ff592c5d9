from django.apps import AppConfig


class RevenueConfig(AppConfig):
    name = "revenue"
    verbose_name = "分账与结算 Revenue share"
    default_auto_field = "django.db.models.BigAutoField"
