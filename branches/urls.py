from django.urls import path

from branches import views

app_name = "branches"
urlpatterns = [
    path(
        "members/<int:pk>/phone/",
        views.member_phone_reveal_view,
        name="member_phone_reveal",
    ),
]
