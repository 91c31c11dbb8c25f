"""Once created the permission groups; ``branches.groups.role_groups_sync`` does it now.

The groups are made on ``post_migrate`` (after every migrate and every flush), so that a flush
in a transactional test does not leave a database without them. This migration stays, empty,
because later migrations depend on it and databases have it recorded as applied.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0001_initial"),
        ("partnerships", "0001_initial"),
        ("activities", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []
