"""The reminders page, mounted under ``/reminders/`` by the project URLs (namespace
``reminders``)."""

from django.urls import path

from portal.reminders import views

app_name = "reminders"
urlpatterns = [
    path("", views.reminder_list, name="list"),
]
