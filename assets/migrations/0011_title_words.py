"""The words of asset titles, one row per word (rarely two: words are added without waiting for
another transaction adding the same word), where typo corrections are looked for: through the
trigram index of a few thousand distinct words, not of every title (seconds for a common word's
typo in a library of a million assets, whose titles nearly all hold it). The approach is the one
PostgreSQL's pg_trgm documentation gives for spelling suggestions.

Triggers add the words of a title in the statement that writes it: once per INSERT statement
(its new rows as a transition table, so a bulk load pays one statement), and for each row whose
title an UPDATE changes."""

import django.contrib.postgres.indexes
from django.db import migrations, models

# A title's words as typo corrections use them: split at anything but letters and digits, without
# accents or case, 3 to 100 characters (a longer one is no word anyone misspells), not numbers
# (a catalogue number no asset holds is not a typo of one that some asset does).
WORDS = """
CREATE OR REPLACE FUNCTION dam_title_words(title text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
  SELECT DISTINCT w FROM regexp_split_to_table(dam_unaccent(lower(title)), '[^[:alnum:]]+') AS w
  WHERE length(w) BETWEEN 3 AND 100 AND w !~ '^[0-9]+$'
$$;

CREATE OR REPLACE FUNCTION dam_title_words_add(titles text[]) RETURNS void
LANGUAGE sql
AS $$
  INSERT INTO assets_title_word (word)
  SELECT DISTINCT w FROM unnest(titles) AS t(title), dam_title_words(t.title) AS w
  WHERE NOT EXISTS (SELECT 1 FROM assets_title_word e WHERE e.word = w)
$$;

CREATE OR REPLACE FUNCTION dam_title_words_inserted() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM dam_title_words_add(ARRAY(SELECT title FROM added));
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION dam_title_words_retitled() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM dam_title_words_add(ARRAY[NEW.title]);
  RETURN NULL;
END
$$;

CREATE TRIGGER asset_title_words_inserted AFTER INSERT ON assets_asset
REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION dam_title_words_inserted();

CREATE TRIGGER asset_title_words_retitled AFTER UPDATE OF title ON assets_asset
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION dam_title_words_retitled();

INSERT INTO assets_title_word (word) SELECT DISTINCT w FROM assets_asset, dam_title_words(title) AS w;
"""

DROP = """
DROP TRIGGER IF EXISTS asset_title_words_retitled ON assets_asset;
DROP TRIGGER IF EXISTS asset_title_words_inserted ON assets_asset;
DROP FUNCTION IF EXISTS dam_title_words_retitled();
DROP FUNCTION IF EXISTS dam_title_words_inserted();
DROP FUNCTION IF EXISTS dam_title_words_add(text[]);
DROP FUNCTION IF EXISTS dam_title_words(text);
"""


class Migration(migrations.Migration):
    dependencies = [("assets", "0010_file_version_sidecar")]

    operations = [
        migrations.CreateModel(
            name="TitleWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.TextField()),
            ],
            options={
                "db_table": "assets_title_word",
                "indexes": [
                    models.Index(fields=["word"], name="title_word"),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["word"], name="title_word_trigram", opclasses=["gin_trgm_ops"]
                    ),
                ],
            },
        ),
        migrations.RunSQL(WORDS, DROP),
    ]
