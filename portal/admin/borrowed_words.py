"""Words of Django's admin and its add-ons that their own Simplified Chinese catalogs lack or
get wrong, translated in the portal's catalog instead (``LOCALE_PATHS`` comes before every
app's catalog). Listed here so that ``makemessages`` keeps them; nothing imports this module.
"""

from django.utils.translation import gettext_noop

BORROWED = (
    # Django 5.1+: the admin's app list has a header row for screen readers, not translated.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django-import-export: the choice of roster on a page with several (共建单位 / 联系人).
    gettext_noop("Resource"),
    # django-import-export's catalog has the characters of this one scrambled (某些行验数据证失败).
    gettext_noop("Some rows failed to validate"),
    gettext_noop(
        "Please correct these errors in your data where possible, then reupload it using "
        "the form above."
    ),
)
