from django.urls import path

from .csp import allows_stripe_js
from .views import (
    account,
    accounts,
    aftersales,
    cart,
    catalog,
    checkout,
    checkout_address,
    favicon,
    home,
    impact,
    language,
    orders,
    places,
    search,
)

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("brands/<slug:slug>/", places.brand_detail, name="brand"),
    path("workshops/<slug:slug>/", places.workshop_detail, name="workshop"),
    path("villages/<slug:slug>/", places.village_detail, name="village"),
    path(
        "villages/<slug:slug>/impact.csv",
        impact.impact_csv,
        {"kind": "village"},
        name="village-impact-csv",
    ),
    path(
        "villages/<slug:slug>/impact.json",
        impact.impact_json,
        {"kind": "village"},
        name="village-impact-json",
    ),
    path("impact/", impact.impact_index, name="impact"),
    path("impact/data.csv", impact.impact_csv, name="impact-csv"),
    path("impact/data.json", impact.impact_json, name="impact-json"),
    path("impact/schema.json", impact.impact_schema_view, name="impact-schema"),
    path("impact/<slug:slug>/", impact.impact_brand, name="impact-brand"),
    path(
        "impact/<slug:slug>/data.csv",
        impact.impact_csv,
        {"kind": "brand"},
        name="impact-brand-csv",
    ),
    path(
        "impact/<slug:slug>/data.json",
        impact.impact_json,
        {"kind": "brand"},
        name="impact-brand-json",
    ),
    path("products/<slug:slug>/", catalog.product_detail, name="product"),
    path("categories/<slug:slug>/", catalog.category_detail, name="category"),
    path("search/", search.search, name="search"),
    path("language/<str:code>/", language.language_switch, name="language"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", account.signup, name="signup"),
    path("accounts/signup/done/", account.signup_done, name="signup-done"),
    path(
        "accounts/verify/<uidb64>/<token>/", account.email_verify, name="email-verify"
    ),
    path("accounts/deleted/", account.deleted, name="account-deleted"),
    # The paths django-allauth uses, so links in sent mails keep working.
    path(
        "accounts/password/reset/",
        accounts.PasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "accounts/password/reset/done/",
        accounts.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "accounts/password/reset/key/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "accounts/password/reset/key/done/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.cart_add, name="cart-add"),
    path("cart/update/", cart.cart_update, name="cart-update"),
    path("cart/remove/", cart.cart_remove, name="cart-remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path(
        "checkout/address/",
        checkout_address.checkout_address_fill,
        name="checkout-address",
    ),
    # The token is the secret: whoever has the link sees the order.
    path("orders/<uuid:token>/", orders.order_detail, name="order"),
    path(
        "orders/<uuid:token>/parcels/<int:parcel_id>/aftersales/",
        aftersales.aftersales_new,
        name="aftersales-new",
    ),
    path(
        "orders/<uuid:token>/aftersales/<int:pk>/return/",
        aftersales.aftersales_return,
        name="aftersales-return",
    ),
    path(
        "orders/<uuid:token>/aftersales/<int:pk>/withdraw/",
        aftersales.aftersales_withdraw,
        name="aftersales-withdraw",
    ),
    path(
        "orders/<uuid:token>/pay/",
        allows_stripe_js(orders.order_pay),
        name="order-pay",
    ),
]
