"""Property tests: no review text, however hostile, breaks an embed or leaks a spoiler."""

from __future__ import annotations

import operator
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.embeds import (
    full_review_pages,
    history_pages,
    paginate_text,
    review_embed,
    safe_text,
    score_bar,
    server_config_embed,
)
from bot.labels import review_choice_label
from bot.models import (
    CONTENT_FIELDS,
    LIST_FIELDS,
    Announcements,
    AuditEntry,
    Review,
    ReviewDraft,
    ServerConfig,
)
from tests.conftest import max_examples
from tests.embed_checks import assert_within_discord_limits, split_spoilers

SETTINGS = settings(
    max_examples=max_examples(500),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces that stress escaping, splitting and spoiler handling, mixed into arbitrary text.
FRAGMENTS = st.sampled_from(
    [
        "||",
        "|",
        "*",
        "**",
        "_",
        "__",
        "`",
        "```",
        "~~",
        "\\",
        "\\|",
        "\n",
        "\n\n",
        " ",
        "\u200b",
        "\u202e",
        "\u0301",
        "\ufeff",
        "🎬",
        "👨‍👩‍👧",
        "👍🏽",
        "> ",
        ">>> ",
        "# ",
        "- ",
        "[",
        "](",
        ")",
        "@everyone",
        "<@123>",
        "<@&5>",
        "…",
        ". ",
        "! ",
        "x" * 90,
    ]
)
messy_text = st.lists(st.one_of(st.text(max_size=15), FRAGMENTS), max_size=30).map("".join)
# Repeating a messy piece gives long texts cheaply (taglines, verdicts, bodies of many kB).
long_text = st.one_of(messy_text, st.builds(operator.mul, messy_text, st.integers(1, 150)))
urls = st.one_of(
    st.just(""),
    st.sampled_from(["https://x.example/r/1", "http://x.example/p.jpg", "ftp://x", "javascript:x"]),
    messy_text,
)

review_fields = dict(
    title=st.one_of(messy_text, st.builds(operator.mul, messy_text, st.integers(1, 20))),
    year=st.integers(1870, 2100),
    tagline=long_text,
    directors=st.lists(messy_text, max_size=10).map(tuple),
    cast=st.lists(messy_text, max_size=300).map(tuple),
    runtime=st.one_of(st.none(), st.integers(0, 1000)),
    score=st.one_of(st.none(), st.floats(0, 10)),
    verdict=messy_text,
    verdict_text=long_text,
    body=long_text,
    reviewer=messy_text,
    review_url=urls,
    poster_url=urls,
    genres=st.lists(messy_text, max_size=60).map(tuple),
)
reviews = st.one_of(
    st.builds(ReviewDraft, **review_fields),  # a preview: not stored, no id
    st.builds(Review, **review_fields, id=st.integers(1, 10**12), created_at=messy_text),
)


@SETTINGS
@given(reviews)
def test_review_embed_never_raises_and_respects_every_limit(review: ReviewDraft) -> None:
    assert_within_discord_limits(review_embed(review))


@SETTINGS
@given(reviews)
def test_review_embed_fields_are_never_blank(review: ReviewDraft) -> None:
    """Discord rejects the whole message when a field name or value is empty."""
    for field in review_embed(review).to_dict().get("fields", []):
        assert field["name"].strip()
        assert field["value"].strip(), f"{field['name']} field is blank"


@SETTINGS
@given(reviews)
def test_review_embed_never_shows_a_dash_for_a_missing_fact(review: ReviewDraft) -> None:
    """A fact the review lacks has no field; "—" in a value is only ever the review's own text."""
    written = "".join(map(str, review.content().values()))
    for field in review_embed(review).to_dict().get("fields", []):
        assert field["value"].strip() != "—" or "—" in written


@SETTINGS
@given(reviews)
def test_full_review_pages_fit_and_keep_spoiler_markers_balanced(review: ReviewDraft) -> None:
    pages = full_review_pages(review)
    assert pages
    for page in pages:
        assert_within_discord_limits(page)
        assert len(page.description or "") <= 4096
        assert split_spoilers(page.description or "")[2]


@SETTINGS
@given(long_text, st.integers(1, 5000), st.booleans())
def test_safe_text_never_exceeds_its_limit(text: str, limit: int, prefer_sentence: bool) -> None:
    shown = safe_text(text, limit, prefer_sentence=prefer_sentence)
    assert len(shown) <= limit
    assert split_spoilers(shown)[2]


# Text whose spoilers are well formed, with secret words that must never be seen outside them.
plain_piece = st.text(
    alphabet=st.characters(exclude_characters="|<S", exclude_categories=("Cs",)), max_size=30
)
spoiler_word = st.sampled_from(["SECRET", "SECRET.", "*SECRET*", "SECRET\\", "_SECRET_"])
# A reviewer may hide several paragraphs at once: words inside a spoiler can be
# separated by spaces, line breaks or blank lines.
spoiler_piece = st.lists(
    st.tuples(spoiler_word, st.sampled_from([" ", " ", "\n", "\n\n"])), min_size=1
).map(lambda pairs: "||" + "".join(word + gap for word, gap in pairs).rstrip() + "||")
spoilered_text = st.lists(st.one_of(plain_piece, spoiler_piece), max_size=40).map(" ".join)


@SETTINGS
@given(spoilered_text, st.integers(1, 600))
def test_cut_excerpts_never_reveal_spoilers(text: str, limit: int) -> None:
    for prefer_sentence in (False, True):
        outside, _, balanced = split_spoilers(
            safe_text(text, limit, prefer_sentence=prefer_sentence)
        )
        assert balanced
        assert "SECRET" not in outside


@SETTINGS
@given(spoilered_text, st.integers(40, 600))
def test_pages_never_reveal_spoilers(text: str, limit: int) -> None:
    for page in paginate_text(text, limit):
        outside, _, balanced = split_spoilers(page)
        assert balanced
        assert "SECRET" not in outside


@SETTINGS
@given(plain_piece.map(lambda t: t * 20), st.integers(200, 2000))
def test_pages_keep_every_character_in_order(text: str, limit: int) -> None:
    pages = paginate_text(text, limit)
    recovered = re.sub(r"\\(.)", r"\1", "".join(pages), flags=re.DOTALL)
    assert "".join(recovered.split()) == "".join(text.split())


@SETTINGS
@given(st.floats(0, 10), st.floats(0, 10))
def test_score_bar_is_ten_cells_and_grows_with_score(low: float, high: float) -> None:
    low, high = sorted((low, high))
    assert len(score_bar(low)) == len(score_bar(high)) == 10
    assert score_bar(low).count("▰") <= score_bar(high).count("▰")


@SETTINGS
@given(messy_text.filter(lambda t: t.strip()), st.integers(1870, 2100))
def test_choice_label_fits_select_option(title: str, year: int) -> None:
    label = review_choice_label(ReviewDraft(title=title, year=year))
    assert 0 < len(label) <= 100
    assert label.endswith(f" ({year})")


# An audit entry's values as the store keeps them: JSON of any content, hostile included.
content_values = st.fixed_dictionaries(
    {},
    optional={
        name: (st.lists(messy_text, max_size=50) if name in LIST_FIELDS else long_text)
        for name in CONTENT_FIELDS
    },
)
audit_entries = st.builds(
    AuditEntry,
    id=st.integers(1, 10**9),
    review_id=st.just(1),
    scope=st.none(),
    actor_id=st.one_of(st.none(), st.integers(1, 2**63 - 1)),
    action=st.one_of(st.sampled_from(["add", "edit", "import", "delete", "restore"]), messy_text),
    at=st.one_of(st.just("2024-01-31T20:15:00+00:00"), messy_text),
    before=st.one_of(st.none(), content_values),
    after=st.one_of(st.none(), content_values),
)


@settings(
    max_examples=max_examples(150),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(audit_entries, max_size=30))
def test_history_pages_fit_and_keep_spoilers_hidden(entries: list[AuditEntry]) -> None:
    pages = history_pages(Review(title="Heat", year=1995, id=1), entries)
    assert pages
    for page in pages:
        assert_within_discord_limits(page)
        assert split_spoilers(page.description or "")[2]
    shown = sum((page.description or "").count("** by ") for page in pages)
    assert shown == len(entries), "every entry is on a page, once"


@SETTINGS
@given(messy_text, st.one_of(st.none(), st.integers(1, 2**63 - 1)))
def test_server_settings_fit_whatever_the_problem_text(problem: str, role: int | None) -> None:
    config = ServerConfig(1, role, Announcements(1, 2**63 - 1, problem * 100))
    assert_within_discord_limits(server_config_embed(config))
