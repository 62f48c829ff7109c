"""What requesters are told when the film they asked for is reviewed."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.notices import MENTIONS_PER_MESSAGE, direct_text, mention_batches, requesters_text
from tests.conftest import make_review

MESSAGE_LIMIT = 2000  # Discord's limit on a message's content
SNOWFLAKE = st.integers(min_value=10**17, max_value=2**63 - 1)


def test_the_channel_line_mentions_each_requester_and_names_the_film() -> None:
    text = requesters_text(make_review("Moonlight", 2016), [11, 22, 33])

    assert text == (
        "<@11> <@22> <@33> you asked to hear when Moonlight (2016) was reviewed: here it is."
    )


def test_the_dm_names_the_server_and_shows_untrusted_names_literally() -> None:
    text = direct_text(make_review("*Moonlight*", 2016), "Film **Club**")

    assert text == (
        r"You asked in Film \*\*Club\*\* to hear when \*Moonlight\* (2016) was reviewed: "
        "here it is."
    )


@given(
    st.lists(SNOWFLAKE, unique=True, max_size=400),
    st.text(st.characters(blacklist_characters="<"), min_size=1, max_size=300),
)
def test_every_requester_is_mentioned_once_within_a_messages_limits(
    member_ids: list[int], title: str
) -> None:
    review = make_review(title, 2016)

    batches = list(mention_batches(member_ids))

    assert [m for batch in batches for m in batch] == member_ids
    for batch in batches:
        text = requesters_text(review, batch)
        assert 0 < len(batch) <= MENTIONS_PER_MESSAGE
        assert len(text) <= MESSAGE_LIMIT
        assert [int(found) for found in re.findall(r"<@(\d+)>", text)] == list(batch)
