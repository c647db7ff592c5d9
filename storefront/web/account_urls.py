"""The signed-in shopper's pages, mounted at /account/ (config/urls.py)."""

from django.urls import path

from .views import account, account_addresses, account_orders

app_name = "account"

urlpatterns: list = [
    path("", account.profile, name="home"),
    path("email/", account.email_change, name="email"),
    path("email/verify/", account.verification_resend, name="verify-resend"),
    path("password/", account.PasswordChangeView.as_view(), name="password"),
    path(
        "password/done/",
        account.PasswordChangeDoneView.as_view(),
        name="password-done",
    ),
    path("delete/", account.delete, name="delete"),
    path("orders/", account_orders.orders, name="orders"),
    path("orders/<int:pk>/buy-again/", account_orders.buy_again, name="buy-again"),
    path("addresses/", account_addresses.addresses, name="addresses"),
    path("addresses/paste/", account_addresses.address_paste, name="address-paste"),
    path(
        "addresses/<int:pk>/",
        account_addresses.address_edit,
        name="address-edit",
    ),
    path(
        "addresses/<int:pk>/delete/",
        account_addresses.address_delete,
        name="address-delete",
    ),
    path(
        "addresses/<int:pk>/default/",
        account_addresses.address_default,
        name="address-default",
    ),
]
