from django.urls import path

from . import views_redirect

urlpatterns = [
    path("l/<str:code>", views_redirect.redirect, name="redirect"),
    # Some chat apps add a slash when they turn the text into a link.
    path("l/<str:code>/", views_redirect.redirect, name="redirect-slash"),
]
