"""Every component ``custom_id`` the bot sends, named in one place.

Public controls (anyone may press them, for as long as the message exists) carry
their state, a review id or a typed title, in the ``custom_id``: any process can
answer them, also after a restart. Controls that belong to the member who asked carry a per-view
token instead, so a press after that view has ended can still be recognised and
answered.
"""

from __future__ import annotations

FULL_REVIEW = "review:full:"
POST_IN_CHANNEL = "review:post:"
# A list's "open a card" menu: the review ids are the options' values, so one id serves
# every list.
OPEN_CARD = "review:open"
# "Tell me when it's reviewed": the title typed, cut to fit Discord's 100 characters.
REQUEST = "review:request:"
MAX_CUSTOM_ID = 100
OWNED = "own:"
# Cards sent before public controls were persistent used "full:<12 hex digits>".
LEGACY_FULL_REVIEW = "full:"

_REVIEW_ID = r"(?P<id>[0-9]{1,19})"  # within SQLite's integers
FULL_REVIEW_TEMPLATE = FULL_REVIEW + _REVIEW_ID
POST_IN_CHANNEL_TEMPLATE = POST_IN_CHANNEL + _REVIEW_ID
OPEN_CARD_TEMPLATE = OPEN_CARD  # no regex metacharacters in it
REQUEST_TEMPLATE = REQUEST + r"(?P<title>.+)"
ENDED_CONTROL_TEMPLATE = rf"{OWNED}(?P<token>[0-9a-f]+):[0-9]+|{LEGACY_FULL_REVIEW}[0-9a-f]{{12}}"


def full_review(review_id: int) -> str:
    return f"{FULL_REVIEW}{review_id}"


def post_in_channel(review_id: int) -> str:
    return f"{POST_IN_CHANNEL}{review_id}"


def request(title: str) -> str:
    """The request button for ``title``: its words, as many as fit (a title typed
    longer than the 85 characters left is cut, as no film's title is that long)."""
    return f"{REQUEST}{' '.join(title.split())}"[:MAX_CUSTOM_ID].rstrip()


def owned(token: str, number: int) -> str:
    return f"{OWNED}{token}:{number}"
