"""Protected file downloads and the health check, mounted at the site's root."""

from django.urls import path

from portal.core import files, views

urlpatterns = [
    path("files/<path:path>", files.download, name="protected_file"),
    # Monitoring: database, broker and worker heartbeat as JSON, 200 or 503; no login.
    path("healthz", views.healthz, name="healthz"),
]
