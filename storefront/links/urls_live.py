from django.urls import path

from . import views_live

urlpatterns = [
    path("live/<int:pk>/", views_live.live, name="live"),
    path("live/<int:pk>/state.json", views_live.live_state, name="live-state"),
    path("host/live/<int:pk>/", views_live.console, name="console"),
    path("host/live/<int:pk>/pin/", views_live.console_pin, name="console-pin"),
    path(
        "host/live/<int:pk>/figures.json",
        views_live.console_figures,
        name="console-figures",
    ),
]
