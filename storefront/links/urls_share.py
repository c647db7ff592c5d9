"""Sharing: QR codes and share posters (storefront.links.views_share)."""

from django.urls import path, re_path

from . import views_share

urlpatterns = [
    path("share/product/<str:slug>/qr.svg", views_share.product_qr, name="product-qr"),
    path(
        "share/product/<str:slug>/poster.png",
        views_share.product_poster,
        name="product-poster",
    ),
    path("live/<int:pk>/qr.svg", views_share.live_qr, name="live-qr"),
    path("live/<int:pk>/poster.png", views_share.live_poster, name="live-poster"),
    # Digits capped so an enormous id is a 404, not an integer overflow.
    re_path(
        r"^host/links/(?P<pk>[0-9]{1,18})/poster\.png$",
        views_share.link_poster,
        name="link-poster",
    ),
]
