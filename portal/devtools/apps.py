from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevtoolsConfig(AppConfig):
    """Demo data, the synthetic group and the benchmark, with their commands (``load_demo``,
    ``generate_group``, ``benchmark``). Installed only when ``DEVTOOLS`` is on."""

    name = "portal.devtools"
    label = "devtools"
    verbose_name = _("Development tools")
