from django.urls import path

app_name = "revenue"

urlpatterns: list = []
