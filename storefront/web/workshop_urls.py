"""The workshop portal's order pages, mounted at /workshop/ (config/urls.py)
beside the import (/workshop/import/)."""

from django.urls import path

from .views import workshop, workshop_aftersales

app_name = "workshop"

urlpatterns = [
    path("", workshop.dashboard, name="dashboard"),
    path("orders/", workshop.order_list, name="orders"),
    path("orders/packing/", workshop.packing_lists, name="packing-lists"),
    path("orders/bulk-ship/", workshop.bulk_ship, name="bulk-ship"),
    path("orders/<int:pk>/packing/", workshop.packing_list, name="packing"),
    path("orders/<int:pk>/label/", workshop.label, name="label"),
    path("orders/<int:pk>/ship/", workshop.ship, name="ship"),
    path("orders/<int:pk>/tracking/", workshop.correct_tracking, name="correct"),
    path("orders/<int:pk>/delivered/", workshop.mark_delivered, name="delivered"),
    path("aftersales/", workshop_aftersales.aftersales_list, name="aftersales"),
    path(
        "aftersales/<int:pk>/",
        workshop_aftersales.aftersales_detail,
        name="aftersales-detail",
    ),
]
