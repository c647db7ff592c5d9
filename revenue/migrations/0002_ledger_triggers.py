"""The database's own guard on the ledger: every journal entry's lines sum
to zero, and posted entries, lines and shares are never changed or deleted
(corrections are reversing entries). Lines of one entry are inserted in one
statement (revenue.ledger), so a statement-level check sees them together."""

from django.db import migrations

BALANCED = """
CREATE FUNCTION revenue_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT l.entry_id INTO bad
      FROM revenue_journalline AS l
     WHERE l.entry_id IN (SELECT DISTINCT entry_id FROM new_lines)
     GROUP BY l.entry_id
    HAVING SUM(l.amount_fen) <> 0
     LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'journal entry % does not balance', bad
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER revenue_journalline_balanced
    AFTER INSERT ON revenue_journalline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_entries_balance();

CREATE FUNCTION revenue_posted_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable: post a reversing entry instead',
        TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER revenue_journalline_final
    BEFORE UPDATE OR DELETE ON revenue_journalline
    FOR EACH ROW EXECUTE FUNCTION revenue_posted_is_final();
CREATE TRIGGER revenue_journalentry_final
    BEFORE UPDATE OR DELETE ON revenue_journalentry
    FOR EACH ROW EXECUTE FUNCTION revenue_posted_is_final();
CREATE TRIGGER revenue_share_final
    BEFORE UPDATE OR DELETE ON revenue_share
    FOR EACH ROW EXECUTE FUNCTION revenue_posted_is_final();
"""

UNDO = """
DROP TRIGGER IF EXISTS revenue_share_final ON revenue_share;
DROP TRIGGER IF EXISTS revenue_journalentry_final ON revenue_journalentry;
DROP TRIGGER IF EXISTS revenue_journalline_final ON revenue_journalline;
DROP FUNCTION IF EXISTS revenue_posted_is_final();
DROP TRIGGER IF EXISTS revenue_journalline_balanced ON revenue_journalline;
DROP FUNCTION IF EXISTS revenue_entries_balance();
"""


def _postgres_only(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("revenue", "0001_initial")]

    operations = [
        migrations.RunPython(_postgres_only(BALANCED), _postgres_only(UNDO)),
    ]
