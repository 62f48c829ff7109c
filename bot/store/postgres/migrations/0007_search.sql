-- The PostgreSQL twin of ../0007_search.sql: search by what reviews say (/discover).
--
-- Each review carries its words as a generated tsvector, so the index follows
-- every write in the writing transaction with no trigger to forget; a GIN index
-- answers the queries (bot/store/postgres/search.py). Adding the column computes it
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

-- The card's part alone (A, B and C, without the review's text): results list the
-- reviews whose card holds the query first, ranked by it. A common word is in tens of
-- thousands of review texts, whose documents are each several kilobytes (read out of
-- TOAST to be ranked), but on a few thousand cards, whose documents are small.
ALTER TABLE reviews ADD COLUMN search_card tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('reviewbot_english', title || ' ' || aliases || ' ' || tagline), 'A')
    || setweight(to_tsvector('reviewbot_english', verdict || ' ' || verdict_text), 'B')
    || setweight(
        to_tsvector('reviewbot_english', directors || ' ' || cast_members || ' ' || genres), 'C'
    )
) STORED;
CREATE INDEX reviews_search_card ON reviews USING gin (search_card);

-- Documents of long reviews are stored compressed (TOAST). lz4, where the server has it
-- (PostgreSQL 14 and later built with it, as Debian's is), compresses and reads back
-- several times faster than the default pglz: a bulk import of 10,000 reviews took
-- about a third less time. Older servers keep pglz.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE reviews ALTER COLUMN search_document SET COMPRESSION lz4, '
        'ALTER COLUMN search_card SET COMPRESSION lz4';
EXCEPTION WHEN syntax_error OR feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;

-- The indexed words (stems) and how many live reviews hold each: the vocabulary a
-- mistyped query word is corrected against (SQLite reads its index's own, fts5vocab;
-- ts_stat would read every review's document on every correction). Statement
-- triggers keep it in step in the writing transaction, one set-based pass per
-- statement however many rows it wrote (a bulk import is a few statements). An
-- UPDATE trigger with transition tables may not name columns, so the function
-- skips rows whose document and liveness did not change (a new genre_mask, say).
CREATE TABLE search_vocabulary (
    term      TEXT COLLATE "C" PRIMARY KEY,
    documents INTEGER NOT NULL
);
CREATE INDEX search_vocabulary_unused ON search_vocabulary (term) WHERE documents <= 0;

CREATE FUNCTION reviewbot_count_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch names only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_vocabulary (term, documents)
        SELECT word.lexeme, COUNT(*) FROM new_rows n CROSS JOIN unnest(n.search_document) word
        WHERE n.deleted_at IS NULL GROUP BY word.lexeme
        ON CONFLICT (term) DO UPDATE
            SET documents = search_vocabulary.documents + excluded.documents;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE search_vocabulary v SET documents = v.documents - gone.documents
        FROM (
            SELECT word.lexeme AS term, COUNT(*) AS documents
            FROM old_rows o CROSS JOIN unnest(o.search_document) word
            WHERE o.deleted_at IS NULL GROUP BY word.lexeme
        ) gone
        WHERE v.term = gone.term;
    ELSE
        UPDATE search_vocabulary v SET documents = v.documents - gone.documents
        FROM (
            SELECT word.lexeme AS term, COUNT(*) AS documents
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN unnest(o.search_document) word
            WHERE o.deleted_at IS NULL AND (n.deleted_at IS NOT NULL
                OR n.search_document <> o.search_document)
            GROUP BY word.lexeme
        ) gone
        WHERE v.term = gone.term;
        INSERT INTO search_vocabulary (term, documents)
        SELECT word.lexeme, COUNT(*) FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN unnest(n.search_document) word
        WHERE n.deleted_at IS NULL AND (o.deleted_at IS NOT NULL
            OR o.search_document <> n.search_document)
        GROUP BY word.lexeme
        ON CONFLICT (term) DO UPDATE
            SET documents = search_vocabulary.documents + excluded.documents;
    END IF;
    DELETE FROM search_vocabulary WHERE documents <= 0;  -- a seek in the partial index
    RETURN NULL;
END
$$;
CREATE TRIGGER search_vocabulary_add AFTER INSERT ON reviews
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reviewbot_count_search_words();
CREATE TRIGGER search_vocabulary_change AFTER UPDATE ON reviews
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reviewbot_count_search_words();
CREATE TRIGGER search_vocabulary_remove AFTER DELETE ON reviews
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reviewbot_count_search_words();

-- The catalog as it is now.
INSERT INTO search_vocabulary (term, documents)
SELECT word.lexeme, COUNT(*) FROM reviews r CROSS JOIN unnest(r.search_document) AS word
WHERE r.deleted_at IS NULL GROUP BY word.lexeme;
