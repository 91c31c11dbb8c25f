"""The home page, mounted at the site's root by the project URLs."""

from django.urls import path

from portal.home import views

urlpatterns = [
    path("", views.home, name="home"),
]
