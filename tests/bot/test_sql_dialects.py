"""The pieces that let one SQL text serve both engines, checked without a server."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, settings_from_mapping
from bot.store.postgres.connection import numbered
from bot.store.postgres.database import redact
from bot.store.postgres.dialect import POSTGRESQL
from bot.store.sqlite.dialect import SQLITE

SQL_WORDS = st.sampled_from(["SELECT", "x", "=", "AND", "(", ")", ",", "?", "'a?b'", "''", "'?'"])


@given(st.lists(SQL_WORDS, max_size=30))
def test_placeholders_are_numbered_in_order_and_literals_kept(words: list[str]) -> None:
    sql = " ".join(words)
    translated = numbered(sql)
    outside = [word for word in words if word == "?"]
    assert re.findall(r"\$(\d+)", translated) == [str(n + 1) for n in range(len(outside))]
    literals = [word for word in words if word.startswith("'")]
    assert re.findall(r"'[^']*'", translated) == literals


def test_dialects_spell_case_folding_and_whole_parts_their_own_way() -> None:
    assert SQLITE.nocase("r.verdict") == "r.verdict COLLATE NOCASE"
    assert POSTGRESQL.nocase("r.verdict") == "lower(r.verdict)"
    assert POSTGRESQL.whole_part("score") == "CAST(trunc(score) AS INTEGER)"
    assert SQLITE.identity_reset("reviews") is None
    assert "setval" in (POSTGRESQL.identity_reset("reviews") or "")


@given(st.text(alphabet="abc:@/", max_size=12))
def test_redacted_urls_never_show_the_password(password: str) -> None:
    url = f"postgresql://bot:{password}Zq9@db.example:5432/reviews"
    shown = redact(url)
    assert "Zq9" not in shown
    assert shown.endswith("/reviews")


@given(st.text(max_size=20), st.text(max_size=20))
def test_any_shard_settings_parse_or_fail_with_one_line(count: str, ids: str) -> None:
    try:
        settings = settings_from_mapping({"SHARD_COUNT": count, "SHARD_IDS": ids})
    except ConfigError as error:
        assert "\n" not in str(error)
        return
    if settings.shard_ids is not None:
        assert settings.shard_count is not None
        assert all(0 <= shard < settings.shard_count for shard in settings.shard_ids)
        assert len(set(settings.shard_ids)) == len(settings.shard_ids)
