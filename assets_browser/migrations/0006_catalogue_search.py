"""Search indexes for the catalogue: a covering index for the name (search, counts, name sort),
one for date sorts, and a substring index on `search_name` made for the database in use:

- SQLite: an FTS5 table with the trigram tokenizer, kept in step with the catalogue by
  triggers (SQLite 3.40 has no remove_diacritics for trigram: it indexes `search_name`, which is
  folded already). External content: it stores the index, not a second copy of the names.
- PostgreSQL: pg_trgm and a GIN index on `search_name` (gin_trgm_ops), which LIKE '%word%' uses.

Both run only on their own database (RunPython with a vendor check), so the model state is the
same everywhere. The sync writes with upserts (INSERT ... ON CONFLICT DO UPDATE keeps a row's
rowid); a manual VACUUM may renumber rowids: rebuild the index after one with
INSERT INTO assets_browser_catalogue_fts(assets_browser_catalogue_fts) VALUES ('rebuild').
"""

from django.db import migrations, models

TABLE = "assets_browser_catalogueasset"
FTS = "assets_browser_catalogue_fts"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_name, content='{TABLE}', tokenize='trigram')",
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, search_name) VALUES (new.rowid, new.search_name);
    END""",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_name) VALUES ('delete', old.rowid, old.search_name);
    END""",
    # Only when the name changed: a sync pass rewrites seen_at on every row it sees.
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE OF search_name ON {TABLE}
        WHEN old.search_name IS NOT new.search_name BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_name) VALUES ('delete', old.rowid, old.search_name);
        INSERT INTO {FTS}(rowid, search_name) VALUES (new.rowid, new.search_name);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # rows written before this migration
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRES_INDEX = "catalogue_name_trgm"


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)
    elif vendor == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        _run(
            schema_editor,
            [
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                f"CREATE INDEX IF NOT EXISTS {POSTGRES_INDEX} ON {TABLE} "
                "USING gin (search_name gin_trgm_ops)",
            ],
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)
    elif vendor == "postgresql":
        _run(schema_editor, [f"DROP INDEX IF EXISTS {POSTGRES_INDEX}"])


class Migration(migrations.Migration):
    dependencies = [
        ("assets_browser", "0005_sync_lease"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="catalogueasset",
            name="catalogue_by_name",
        ),
        migrations.AddIndex(
            model_name="catalogueasset",
            index=models.Index(
                fields=["status", "search_name", "type", "created_at", "id"],
                name="catalogue_by_name",
            ),
        ),
        migrations.AddIndex(
            model_name="catalogueasset",
            index=models.Index(fields=["status", "created_at", "id"], name="catalogue_by_date"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
