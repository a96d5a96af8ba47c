"""Full-text search over metadata: unaccent and pg_trgm, a weighted tsvector on every asset kept
current by a trigger (in the same statement as the metadata it reads), its GIN index, and
trigram indexes on titles and vocabulary labels for typos."""

import django.contrib.postgres.search
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

# Accent-insensitive text, as an IMMUTABLE function (unaccent() itself is only STABLE, so no index
# could use it), with the dictionary named so the search path cannot change its meaning.
UNACCENT = """
CREATE OR REPLACE FUNCTION dam_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
"""

# The language of a text search configuration: an ISO 639-1 code or a configuration's name; the
# 'simple' configuration (no stemming, no stopwords) where PostgreSQL has none for it.
CONFIG = """
CREATE OR REPLACE FUNCTION dam_search_config(language text) RETURNS regconfig
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(
    (SELECT c.oid::regconfig FROM pg_ts_config c WHERE c.cfgname = CASE lower(coalesce(language, ''))
       WHEN 'en' THEN 'english' WHEN 'fr' THEN 'french' WHEN 'de' THEN 'german' WHEN 'es' THEN 'spanish'
       WHEN 'it' THEN 'italian' WHEN 'pt' THEN 'portuguese' WHEN 'nl' THEN 'dutch' WHEN 'sv' THEN 'swedish'
       WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian' WHEN 'da' THEN 'danish' WHEN 'fi' THEN 'finnish'
       WHEN 'ru' THEN 'russian' WHEN 'tr' THEN 'turkish' WHEN 'hu' THEN 'hungarian' WHEN 'ro' THEN 'romanian'
       ELSE lower(coalesce(language, '')) END),
    'simple'::regconfig)
$$;
"""

# Weights: title and headline A; keywords, persons shown and place names B; description and the
# accessibility texts C; the rest that describes the asset D. The configuration is the one of the
# language of the vocabulary terms its keywords belong to (the most common), else English.
VECTOR = """
CREATE OR REPLACE FUNCTION dam_asset_search_vector(a assets_asset) RETURNS tsvector
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  config regconfig := dam_search_config(coalesce((
    SELECT t.language FROM assets_term t, unnest(a.keywords) AS k(keyword)
    WHERE lower(regexp_replace(btrim(k.keyword), '\\s+', ' ', 'g')) = ANY (t.match_keys)
    GROUP BY t.language ORDER BY count(*) DESC, t.language LIMIT 1), 'en'));
BEGIN
  RETURN
    setweight(to_tsvector(config, dam_unaccent(concat_ws(' ', a.title, a.headline))), 'A')
    || setweight(to_tsvector(config, dam_unaccent(concat_ws(' ',
         array_to_string(a.keywords, ' , '), array_to_string(a.persons_shown, ' , '),
         a.sublocation, a.city, a.province_state, a.country))), 'B')
    || setweight(to_tsvector(config, dam_unaccent(concat_ws(' ', a.description, a.alt_text,
         a.extended_description))), 'C')
    || setweight(to_tsvector(config, dam_unaccent(concat_ws(' ', a.event, a.genre, a.album,
         array_to_string(a.creators, ' , '), a.publisher, a.composer))), 'D');
END
$$;

CREATE OR REPLACE FUNCTION dam_asset_search_vector_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.search_vector := dam_asset_search_vector(NEW);
  RETURN NEW;
END
$$;

-- Only writes of the columns it reads recompute it: an UPDATE of, say, every asset's current
-- version or rights leaves the vector alone.
CREATE TRIGGER asset_search_vector BEFORE INSERT OR UPDATE OF title, headline, keywords, persons_shown,
  sublocation, city, province_state, country, description, alt_text, extended_description, event, genre,
  album, creators, publisher, composer ON assets_asset
FOR EACH ROW EXECUTE FUNCTION dam_asset_search_vector_update();

UPDATE assets_asset SET search_vector = dam_asset_search_vector(assets_asset);
"""

DROP = """
DROP TRIGGER IF EXISTS asset_search_vector ON assets_asset;
DROP FUNCTION IF EXISTS dam_asset_search_vector_update();
DROP FUNCTION IF EXISTS dam_asset_search_vector(assets_asset);
"""

TRIGRAMS = """
CREATE INDEX asset_title_trigram ON assets_asset USING gin (dam_unaccent(lower(title)) gin_trgm_ops);
"""


class Migration(migrations.Migration):
    dependencies = [("assets", "0007_rights_location_territories_tombstones")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.AddField(
            model_name="asset",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(model_name="asset", index=GinIndex(fields=["search_vector"], name="asset_search_vector_gin")),
        migrations.RunSQL(UNACCENT + CONFIG, "DROP FUNCTION IF EXISTS dam_search_config(text); "
                          "DROP FUNCTION IF EXISTS dam_unaccent(text);"),
        migrations.RunSQL(VECTOR, DROP),
        migrations.RunSQL(TRIGRAMS, "DROP INDEX IF EXISTS asset_title_trigram;"),
    ]
