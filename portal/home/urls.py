"""The home page and the framework page, mounted at the site's root by the project URLs."""

from django.urls import path

from portal.home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("framework/", views.framework, name="framework"),
]
