from django.urls import path

from .views import accounts, catalog, home, language, places, search

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("brands/<slug:slug>/", places.brand_detail, name="brand"),
    path("workshops/<slug:slug>/", places.workshop_detail, name="workshop"),
    path("villages/<slug:slug>/", places.village_detail, name="village"),
    path("products/<slug:slug>/", catalog.product_detail, name="product"),
    path("categories/<slug:slug>/", catalog.category_detail, name="category"),
    path("search/", search.search, name="search"),
    path("language/<str:code>/", language.language_switch, name="language"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
]
