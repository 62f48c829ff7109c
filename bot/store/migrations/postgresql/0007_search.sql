-- The PostgreSQL twin of ../0007_search.sql: search by what reviews say (/discover).
--
-- Each review carries its words as a generated tsvector, so the index follows
-- every write in the writing transaction with no trigger to forget; a GIN index
-- answers the queries (bot/store/search_tsvector.py). Adding the column computes it
-- for every existing review.
--
-- Words are stemmed by the English configuration and folded by unaccent. unaccent()
-- the function is only STABLE (its dictionary could change), which a generated
-- column refuses; the usual way round it is a text search configuration that runs
-- the unaccent dictionary before the English stemmer: to_tsvector(regconfig, text)
-- is IMMUTABLE, and ts_headline and websearch_to_tsquery fold accents the same way,
-- so "cafe" finds and highlights "café" in the review as written.
-- The unaccent extension is trusted: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION reviewbot_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION reviewbot_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

-- Weights: A title, aliases and tagline; B the verdict label and text; C director,
-- cast and genre names; D the review itself. Lists are indexed as their stored JSON
-- text, whose brackets, quotes and commas the parser skips.
ALTER TABLE reviews ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('reviewbot_english', title || ' ' || aliases || ' ' || tagline), 'A')
    || setweight(to_tsvector('reviewbot_english', verdict || ' ' || verdict_text), 'B')
    || setweight(
        to_tsvector('reviewbot_english', directors || ' ' || cast_members || ' ' || genres), 'C'
    )
    || setweight(to_tsvector('reviewbot_english', body), 'D')
) STORED;
CREATE INDEX reviews_search ON reviews USING gin (search_document);
