"""The workshop portal's products, mounted at /workshop/products/."""

from django.urls import path

from .views import workshop_products as views

app_name = "workshop_products"

urlpatterns = [
    path("", views.product_list, name="list"),
    path("new/", views.product_new, name="new"),
    path("<int:product_id>/", views.product_edit, name="edit"),
    path("<int:product_id>/publish/", views.publish, name="publish"),
    path("variants/<int:variant_id>/stock/", views.stock_change, name="stock"),
    path("variants/<int:variant_id>/price/", views.price_change, name="price"),
]
