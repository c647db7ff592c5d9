"""The signed-in shopper's pages, mounted at /account/ (config/urls.py)."""

from django.urls import path  # noqa: F401 - the account pages add theirs

app_name = "account"

urlpatterns: list = []
