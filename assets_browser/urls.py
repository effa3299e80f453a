from django.urls import path

from . import views

app_name = "assets_browser"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("healthz", views.healthz, name="healthz"),
]
