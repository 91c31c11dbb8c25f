"""The audit log is append-only in the database too, not only through the ORM (等保 asks that
audit records be protected from change and deletion): on PostgreSQL a trigger refuses any
UPDATE of an entry, and any DELETE of one younger than 180 days, the shortest retention the
settings allow (AUDIT_RETENTION_DAYS). The nightly purge deletes only older entries, so it
passes. SQLite (local runs) has no such trigger."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION branches_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit entries are append-only: entry % cannot be changed', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.created_at > now() - interval '180 days' THEN
        RAISE EXCEPTION 'audit entries are kept 180 days: entry % cannot be deleted yet', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER branches_auditentry_append_only
    BEFORE UPDATE OR DELETE ON branches_auditentry
    FOR EACH ROW EXECUTE FUNCTION branches_auditentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS branches_auditentry_append_only ON branches_auditentry;
DROP FUNCTION IF EXISTS branches_auditentry_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)  # RAISE uses %: no placeholders here


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("branches", "0006_auditentry_action_two_factor")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
