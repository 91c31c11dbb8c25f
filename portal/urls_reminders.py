"""The reminders page, mounted under ``/reminders/`` by the project URLs (namespace
``reminders``)."""

from django.urls import path

from portal import views_reminders as views

app_name = "reminders"
urlpatterns = [
    path("", views.reminder_list, name="list"),
]
