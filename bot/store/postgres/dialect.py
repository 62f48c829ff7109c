"""PostgreSQL's spellings of what the engines say differently."""

from __future__ import annotations

from bot.store.dialect import Dialect

POSTGRESQL = Dialect(
    name="postgresql",
    # lower() on the store's "C"-collated columns folds ASCII letters only, as SQLite's
    # NOCASE does, which keeps both engines' answers equal.
    nocase_form="lower({})",
    whole_part_form="CAST(trunc({}) AS INTEGER)",  # trunc first: CAST rounds
    ids_subquery="SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(? AS json))",
    same_operator="IS NOT DISTINCT FROM",
    json_value_form="{}::json",
    json_object_form="json_build_object({})::text",
    no_limit="LIMIT ALL",
    descending_form="{} DESC NULLS LAST",  # NULL is the largest value to PostgreSQL
    # The identity sequence knows nothing of ids it did not hand out.
    identity_reset_form=(
        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        "COALESCE(MAX(id), 0) + 1, false) FROM {table}"
    ),
)
