from django.urls import path

from partnerships import views

app_name = "partnerships"
urlpatterns = [
    path(
        "contacts/<int:pk>/phone/",
        views.contact_phone_reveal_view,
        name="contact_phone_reveal",
    ),
]
