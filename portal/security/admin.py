"""Locked-out logins in the admin (superusers only): deleting a row unlocks that login."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin

admin.site.register(AccessAttempt, AccessAttemptAdmin)
