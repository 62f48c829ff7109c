"""Every embed the bot sends is laid out here, and only here.

Review text is untrusted: it is escaped so its markdown cannot break the
layout, cut to Discord's limits at word or sentence boundaries, and text a
reviewer wrapped in ``||spoiler||`` stays hidden even when cut or paginated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from urllib.parse import urlparse

import discord

from bot.cards import Kind
from bot.help import CommandHelp
from bot.labels import ELLIPSIS
from bot.models import (
    AuditEntry,
    CatalogStats,
    FieldChange,
    Review,
    ReviewDraft,
    ReviewFilters,
    ServerConfig,
)
from bot.services.requests import MAX_OPEN_PER_MEMBER, MAX_PER_SERVER

# Discord's documented embed limits.
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
URL_LIMIT = 2000

EXCERPT_LIMIT = 420
DIGEST_SHOWN = 10  # titles named in an announcement of many reviews
SIMILAR_SHOWN = 10  # films listed by /similar
CAST_SHOWN = 5
GENRES_SHOWN = 6
PAGE_LIMIT = 3900  # room below DESCRIPTION_LIMIT for the escape slack of the last word
LONGEST_WORD = 80  # unbroken runs (URLs, keyboard mashing) are split so they can wrap

# Colour bands by score, best first: (lowest score in band, colour).
SCORE_COLOURS: tuple[tuple[float, discord.Colour], ...] = (
    (9.0, discord.Colour.gold()),
    (7.5, discord.Colour.green()),
    (6.0, discord.Colour.teal()),
    (4.0, discord.Colour.orange()),
    (0.0, discord.Colour.red()),
)
UNSCORED_COLOUR = discord.Colour.light_grey()
INFO_COLOUR = discord.Colour.blurple()

_SPOILER = re.compile(r"\|\|(.+?)\|\|", re.DOTALL)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# What escape_markdown leaves live in a single word: a leading ">" (it only escapes
# quotes followed by whitespace), "[" of a link spanning several words, and "|" inside
# URLs (which it skips). Already-escaped pairs are matched first so they stay intact.
_STILL_LIVE = re.compile(r"\\.|[\[|]|^>", re.DOTALL)


# -- safe text -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    spoiler: bool
    new_paragraph: bool


def escape_text(text: str) -> str:
    """Markdown-escape one word (or one line) so every character shows literally."""
    escaped = discord.utils.escape_markdown(text)
    return _STILL_LIVE.sub(lambda m: m[0] if m[0].startswith("\\") else "\\" + m[0], escaped)


def _words(text: str, most: int | None = None) -> list[_Word]:
    """Split text into words, remembering which sat inside a spoiler and where paragraphs
    break: all of them, or the first ``most``."""
    return list(islice(_each_word(text), most))


def _each_word(text: str) -> Iterator[_Word]:
    # Spoilers are found before paragraphs: a reviewer may hide several paragraphs at once.
    segments: list[tuple[str, bool]] = []
    position = 0
    for match in _SPOILER.finditer(text):
        segments.append((text[position : match.start()], False))
        segments.append((match.group(1), True))
        position = match.end()
    segments.append((text[position:], False))
    first = True
    new_paragraph = False  # a paragraph break seen since the last word
    for segment, spoiler in segments:
        for index, paragraph in enumerate(_PARAGRAPH_BREAK.split(segment)):
            new_paragraph = new_paragraph or index > 0
            for word in paragraph.split():
                for start in range(0, len(word), LONGEST_WORD):
                    chunk = word[start : start + LONGEST_WORD]
                    yield _Word(chunk, spoiler, new_paragraph and not first)
                    first = new_paragraph = False


def _render(words: Sequence[_Word], *, ellipsis: bool = False) -> str:
    parts: list[str] = []
    in_spoiler = False
    for index, word in enumerate(words):
        separator = "" if index == 0 else ("\n\n" if word.new_paragraph else " ")
        if in_spoiler and (not word.spoiler or word.new_paragraph):
            parts.append("||")
            in_spoiler = False
        parts.append(separator)
        if word.spoiler and not in_spoiler:
            parts.append("||")
            in_spoiler = True
        parts.append(escape_text(word.text))
    if ellipsis:
        parts.append(ELLIPSIS)
    if in_spoiler:
        parts.append("||")
    return "".join(parts)


def _fitting_prefix(words: Sequence[_Word], limit: int) -> int:
    """How many leading words fit in ``limit`` characters with an ellipsis after them."""
    # Each word renders as a character at least: more than ``limit`` words never fit, and
    # searching only those keeps a 20,000-word body from being escaped again and again.
    low, high = 0, min(len(words), limit)
    while low < high:  # rendering is monotone in the number of words: binary search
        middle = (low + high + 1) // 2
        if len(_render(words[:middle], ellipsis=True)) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def safe_text(text: str, limit: int, *, prefer_sentence: bool = False) -> str:
    """Escaped ``text`` within ``limit`` characters, cut between words with an ellipsis.

    With ``prefer_sentence``, a cut falls after the last whole sentence that
    fits, unless that would throw away more than half of the room.
    """
    words = _words(text, most=max(limit, 0) + 1)  # a character a word at least: no more fit
    if len(words) <= limit:
        full = _render(words)
        if len(full) <= limit:
            return full
    if limit < len(ELLIPSIS):  # not even room to say it was cut
        return ""
    keep = _fitting_prefix(words, limit)
    if prefer_sentence:
        for end in range(keep, max(keep // 2, 1) - 1, -1):
            if end and _SENTENCE_END.search(words[end - 1].text):
                return _render(words[:end], ellipsis=True)
    return _render(words[:keep], ellipsis=True)


def paginate_text(text: str, limit: int = PAGE_LIMIT) -> list[str]:
    """Split long text into escaped pages, preferring paragraph breaks."""
    words = _words(text)
    pages: list[str] = []
    while words:
        keep = max(_fitting_prefix(words, limit), 1)
        if keep < len(words):
            breaks = [i for i in range(keep // 2, keep) if i and words[i].new_paragraph]
            keep = breaks[-1] if breaks else keep
        pages.append(_render(words[:keep]))
        rest = list(words[keep:])
        if rest:  # a page never starts with a paragraph gap
            rest[0] = _Word(rest[0].text, rest[0].spoiler, False)
        words = rest
    return pages or [""]


def plain(text: str, limit: int) -> str:
    """One line of untrusted text (a title, a name) made safe for an embed."""
    return safe_text(" ".join(text.split()), limit)


# -- formatting of facts -------------------------------------------------------------


def format_runtime(minutes: int | None) -> str:
    """ "1h 45m"; "" when the runtime is not known."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest:02d}m" if rest else f"{hours}h"


def score_bar(score: float, width: int = 10) -> str:
    filled = round(score / 10 * width)
    return "▰" * filled + "▱" * (width - filled)


def format_score(score: float | None) -> str:
    if score is None:
        return "not scored"
    return f"**{score:g}/10** {score_bar(score)}"


def score_colour(score: float | None) -> discord.Colour:
    if score is None:
        return UNSCORED_COLOUR
    return next(colour for floor, colour in SCORE_COLOURS if score >= floor)


def format_names(
    names: Sequence[str], shown: int, limit: int = FIELD_VALUE_LIMIT, *, separator: str = ", "
) -> str:
    """Up to ``shown`` names, then "and N more" counting every name the reader cannot see;
    "" when there is no name to show."""
    # Each name is escaped on its own, so a spoiler cannot run from one name into the next;
    # names that are blank once rendered are no names at all.
    rendered = [(name, shown_name) for name in names if (shown_name := plain(name, limit))]
    if not rendered:
        return ""
    for count in range(min(shown, len(rendered)), 0, -1):
        more = len(rendered) - count
        listed = separator.join(shown_name for _, shown_name in rendered[:count])
        listed += f" and {more} more" if more else ""
        if len(listed) <= limit:
            return listed
    # Even the first name alone is too long: show as much of it as fits.
    tail = f" and {len(rendered) - 1} more" if len(rendered) > 1 else ""
    return plain(rendered[0][0], limit - len(tail)) + tail


# What members call each filter (the command option names).
FILTER_OPTION_NAMES = {"cast_member": "cast"}


def describe_filters(filters: ReviewFilters) -> str:
    """ "score ≥ 8 · genre: Drama", or "" when nothing is filtered."""
    return describe_options(
        {FILTER_OPTION_NAMES.get(name, name): value for name, value in filters.active().items()}
    )


def describe_options(chosen: Mapping[str, Any]) -> str:
    """ "decade: 1990s · genre: Drama", in the option names the member typed."""
    parts = []
    for name, value in chosen.items():
        if name == "min_score":
            parts.append(f"score ≥ {value:g}")
        elif name == "max_runtime":
            parts.append(f"≤ {value} min")
        elif name == "decade":
            parts.append(f"decade: {value - value % 10}s")
        else:
            # Escaped because it is shown in message content, where markdown renders.
            parts.append(f"{name}: {escape_text(' '.join(str(value).split())[:60])}")
    return " · ".join(parts)


def _link(url: str) -> str | None:
    """``url`` if Discord will take it as a link; a malformed one fails the whole message."""
    if not url.startswith(("http://", "https://")) or len(url) > URL_LIMIT:
        return None
    if " " in url or not url.isprintable():  # no whitespace or control characters
        return None
    try:
        host = urlparse(url).hostname
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        return None
    return url if host else None


# -- review embeds ------------------------------------------------------------------------


def review_title(review: ReviewDraft) -> str:
    return plain(review.display_title, TITLE_LIMIT)


def review_embed(review: ReviewDraft) -> discord.Embed:
    """The card a member sees for one review (a draft's is its preview).

    It shows what is known and nothing that is not: a fact the review lacks has no
    field, so a review of only a title, a year and a score is a short, clean card.
    """
    embed = discord.Embed(
        title=review_title(review),
        url=_link(review.review_url),
        description=_tagline(review, DESCRIPTION_LIMIT - 2),
        colour=score_colour(review.score),
        # Discord shows the embed's own timestamp beside the footer in each reader's
        # time zone; a <t:…> tag in the footer would show as typed (footers are plain text).
        timestamp=parse_time(review.created_at) if isinstance(review, Review) else None,
    )
    directors = [name for name in review.directors if name.strip()]
    director_label = "Directors" if len(directors) > 1 else "Director"
    _add_known(embed, director_label, format_names(review.directors, 3), inline=True)
    _add_known(embed, "Runtime", format_runtime(review.runtime), inline=True)
    embed.add_field(name="Score", value=format_score(review.score), inline=True)
    genres = [name for name in review.genres if name.strip()]
    genre_label = "Genres" if len(genres) > 1 else "Genre"
    _add_known(embed, genre_label, format_names(genres, GENRES_SHOWN, separator=" · "), inline=True)
    _add_known(embed, "Cast", format_names(review.cast, CAST_SHOWN), inline=False)
    label = plain(review.verdict, 200)
    excerpt = safe_text(review.verdict_text, EXCERPT_LIMIT, prefer_sentence=True)
    value = "\n".join(filter(None, (f"**{label}**" if label else "", excerpt)))
    _add_known(embed, "Verdict", value, inline=False)
    poster = _link(review.poster_url)
    if poster:
        embed.set_thumbnail(url=poster)
    embed.set_footer(text=_footer(review))
    return _within_total(embed, review)


def _add_known(embed: discord.Embed, name: str, value: str, *, inline: bool) -> None:
    """A field only for a fact the review has (Discord also rejects a blank value)."""
    if value.strip():
        embed.add_field(name=name, value=value, inline=inline)


def _footer(review: ReviewDraft) -> str:
    """Who wrote it, and which review it is; the date is the embed's timestamp."""
    parts = []
    if review.reviewer.strip():
        parts.append(f"Reviewed by {' '.join(review.reviewer.split())[:200]}")
    parts.append(f"#{review.id}" if isinstance(review, Review) else "preview")
    return " · ".join(parts)[:FOOTER_LIMIT]


def parse_time(stored: str) -> datetime | None:
    """A stored ISO 8601 time as an aware datetime (UTC if it names no zone), or ``None``."""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def discord_time(stored: str, style: str) -> str:
    """``<t:…:style>``, which Discord shows in each reader's time zone (in descriptions
    and field values only); the stored text itself if it is not a time."""
    moment = parse_time(stored)
    if moment is None:
        return plain(stored, 40)
    return f"<t:{int(moment.timestamp())}:{style}>"


def _tagline(review: ReviewDraft, limit: int) -> str | None:
    """The tagline in italics within ``limit`` characters of text, or None if it is blank."""
    text = plain(review.tagline, limit)
    return f"*{text}*" if text else None


def _within_total(embed: discord.Embed, review: ReviewDraft) -> discord.Embed:
    """Shorten the tagline until the whole embed fits Discord's 6000-character cap."""
    excess = len(embed) - TOTAL_LIMIT
    if excess > 0 and embed.description:
        # Rendered again rather than sliced, so italics, spoilers and escapes stay whole.
        embed.description = _tagline(review, len(embed.description) - 2 - excess)
    return embed


ONLY_VERDICT_NOTE = "Only a verdict was written for this film; there is no full review."
NO_TEXT_NOTE = "Nothing more was written about this film than its card shows."


def full_review_pages(review: ReviewDraft) -> list[discord.Embed]:
    """The whole review, one embed per page, for the "Read full review" button.

    Without a full text it shows the verdict and says so, plainly, first.
    """
    if review.body.strip():
        text, note = review.body, ""
    elif review.verdict_text.strip():
        text, note = review.verdict_text, ONLY_VERDICT_NOTE
    else:
        text, note = "", NO_TEXT_NOTE
    lead = f"*{note}*" if note else ""
    pages = paginate_text(text, PAGE_LIMIT - len(lead) - 2)
    pages[0] = "\n\n".join(part for part in (lead, pages[0]) if part)
    embeds = []
    for number, page in enumerate(pages, start=1):
        suffix = f" — full review ({number}/{len(pages)})" if len(pages) > 1 else " — full review"
        title = plain(review.display_title, TITLE_LIMIT - len(suffix)) + suffix
        embeds.append(
            discord.Embed(title=title, description=page, colour=score_colour(review.score))
        )
    return embeds


# -- lists and summaries -----------------------------------------------------------


def ranked_list_embed(
    title: str, reviews: Sequence[Review], *, start_rank: int, page: int, pages: int, filters: str
) -> discord.Embed:
    lines = [
        f"**{rank}.** {plain(review.display_title, 150)} — "
        f"{'unscored' if review.score is None else f'{review.score:g}/10'}"
        + (f" · {plain(review.verdict, 40)}" if review.verdict else "")
        for rank, review in enumerate(reviews, start=start_rank)
    ]
    embed = discord.Embed(
        title=title, description="\n".join(lines) or "Nothing here.", colour=INFO_COLOUR
    )
    footer = f"Page {page}/{pages}" + (f" · {filters}" if filters else "")
    embed.set_footer(text=footer[:FOOTER_LIMIT])
    return embed


def similar_embed(
    review: Review, related: Sequence[tuple[Review, Sequence[tuple[str, str]]]]
) -> discord.Embed:
    embed = discord.Embed(
        title="Like " + plain(review.display_title, TITLE_LIMIT - 5), colour=INFO_COLOUR
    )
    reason_words = {"director": "same director", "cast": "shared cast", "genre": "same genre"}
    shown = related[:SIMILAR_SHOWN]
    # Each field gets an equal share of the 6000-character total.
    budget = (TOTAL_LIMIT - len(embed.title or "")) // max(len(shown), 1)
    for other, reasons in shown:
        grouped: dict[str, list[str]] = {}
        for kind, label in reasons:
            grouped.setdefault(reason_words[kind], []).append(label)
        why = "; ".join(f"{word}: {', '.join(labels[:3])}" for word, labels in grouped.items())
        score = "" if other.score is None else f" — {other.score:g}/10"
        name = plain(other.display_title, min(FIELD_NAME_LIMIT, budget // 2) - len(score)) + score
        value = safe_text(why, min(FIELD_VALUE_LIMIT, budget - len(name)))
        embed.add_field(name=name, value=value, inline=False)
    if not related:
        embed.description = "No other review shares a director, cast member or genre with it yet."
    return embed


CHART_FILE = "catalog-stats.png"  # the /stats chart, attached to the message under this name


def stats_embed(stats: CatalogStats, *, filters: str = "", chart: bool = False) -> discord.Embed:
    """The numbers of a catalog (or the slice ``filters`` describes); with ``chart``, the
    attached :data:`CHART_FILE` as its image. The fields say in text what the chart
    draws, for members who cannot see images."""
    embed = discord.Embed(title="Catalog statistics", colour=INFO_COLOUR)
    if filters:
        embed.description = filters
    if chart:
        embed.set_image(url=f"attachment://{CHART_FILE}")
    average = "—" if stats.average_score is None else f"{stats.average_score:g}/10"
    embed.add_field(name="Reviews", value=str(stats.total), inline=True)
    embed.add_field(name="Average score", value=average, inline=True)
    if stats.score_buckets:
        widest = max(stats.score_buckets.values())
        rows = [
            f"`{bucket:>2}` {'█' * max(1, round(count / widest * 12))} {count}"
            for bucket, count in sorted(stats.score_buckets.items(), reverse=True)
        ]
        embed.add_field(name="Scores", value="\n".join(rows)[:FIELD_VALUE_LIMIT], inline=False)
    if stats.verdicts:
        verdicts = _joined_within(
            [f"{plain(label, 60)} ({count})" for label, count in stats.verdicts.items()]
        )
        embed.add_field(name="Verdicts", value=verdicts, inline=False)
    if stats.top_directors:
        directors = _joined_within([f"{plain(name, 60)} ({n})" for name, n in stats.top_directors])
        embed.add_field(name="Most-reviewed directors", value=directors, inline=False)
    return embed


def _joined_within(items: Sequence[str], limit: int = FIELD_VALUE_LIMIT) -> str:
    """Whole items joined by commas, as many as fit: never half an escape or a name."""
    shown: list[str] = []
    for item in items:
        if len(", ".join([*shown, item, ELLIPSIS])) > limit:
            return ", ".join([*shown, ELLIPSIS])
        shown.append(item)
    return ", ".join(shown)


HISTORY_PER_PAGE = 8
CHANGE_SHOWN = 60  # characters of an old or new value; longer ones are cut and counted
ACTION_WORDS = {
    "add": "added",
    "edit": "edited",
    "delete": "deleted",
    "restore": "restored",
    "import": "imported",
    "remove sample": "removed (a sample review)",
}


def history_pages(review: Review, entries: Sequence[AuditEntry]) -> list[discord.Embed]:
    """/catalog history: newest first, who and when, and each field's old → new value."""
    title = "History of " + plain(review.display_title, TITLE_LIMIT - 11)
    blocks = [_history_entry(entry) for entry in reversed(entries)]
    pages: list[list[str]] = []
    for block in blocks:
        page = pages[-1] if pages else None
        if (
            page is None
            or len(page) >= HISTORY_PER_PAGE
            or len("\n\n".join([*page, block])) > PAGE_LIMIT
        ):
            pages.append([block])
        else:
            page.append(block)
    if not pages:
        return [discord.Embed(title=title, description="No changes recorded.", colour=INFO_COLOUR)]
    embeds = []
    for number, page in enumerate(pages, start=1):
        embed = discord.Embed(title=title, description="\n\n".join(page), colour=INFO_COLOUR)
        changes = f"{len(entries)} change" + ("" if len(entries) == 1 else "s")
        embed.set_footer(text=f"Page {number}/{len(pages)} · {changes}, newest first")
        embeds.append(embed)
    return embeds


def _history_entry(entry: AuditEntry) -> str:
    """One audited change, as :func:`change_block` shows it."""
    what = ACTION_WORDS.get(entry.action) or plain(entry.action, 40) or "changed"
    changes: list[FieldChange] = []
    if entry.action == "import" and entry.before is None:
        what += f" ({entry.filled_fields()} fields)"  # a new review: all it brought
    elif entry.action in {"edit", "import"}:
        changes = entry.changes()
    return change_block(entry.at, entry.actor_id, what, changes, PAGE_LIMIT)


def change_block(
    at: str, actor_id: int | None, what: str, changes: Sequence[FieldChange], limit: int
) -> str:
    """A change to a review within ``limit`` characters: when, what and who on the first
    line, then each field it changed, ``old → new`` (in /catalog history, and for an edit
    told what changed since it began)."""
    # No member: the command line, or the starter catalog the bot loaded at its start.
    who = f"<@{actor_id}>" if actor_id else "the operator"
    lines = [f"{discord_time(at, 'f')} · **{what}** by {who}"]
    lines += [
        f"• {change.field}: {_shown_value(change.old)} → {_shown_value(change.new)}"
        for change in changes
    ]
    return _lines_within(lines, limit)


def _shown_value(value: Any) -> str:
    """One old or new value on one line: lists joined, long text cut with its length."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, list):
        text = ", ".join(str(item) for item in value)
    else:
        text = " ".join(str(value).split())
    if len(text) <= CHANGE_SHOWN:
        return plain(text, CHANGE_SHOWN * 2)  # escaping may lengthen it: never cut it here
    length = len(value) if isinstance(value, str) else len(text)
    return f"{plain(text, CHANGE_SHOWN)} ({length:,} characters)"


def server_config_embed(config: ServerConfig) -> discord.Embed:
    """/config show: every setting of one server, each with the command that changes it."""
    embed = discord.Embed(title="Server settings", colour=INFO_COLOUR)
    if config.mod_role_id is None:
        role = "None: only members with Manage Server can use /catalog."
    else:
        role = f"<@&{config.mod_role_id}>, and members with Manage Server, can use /catalog."
    embed.add_field(
        name="Moderator role",
        value=f"{role}\nChange it: `/config modrole role:` (without a role it clears it)",
        inline=False,
    )
    announcing = config.announcements
    if announcing is None:
        announce = "Off.\nTurn on: `/config announce channel:`"
    elif announcing.paused:
        announce = (
            f"<#{announcing.channel_id}>, **paused**: {plain(announcing.problem or '', 300)}.\n"
            "Resume: `/config announce channel:` with a channel I can post in"
        )
    else:
        announce = (
            f"<#{announcing.channel_id}>: each newly published review is posted there.\n"
            "Change it: `/config announce channel:` (without a channel it turns them off)"
        )
    embed.add_field(name="Announcements", value=announce, inline=False)
    embed.add_field(
        name="Review requests",
        value=(
            f"{config.open_requests:,} waiting, of at most {MAX_PER_SERVER:,} kept in this "
            f"server; each member may have {MAX_OPEN_PER_MEMBER} open.\n"
            "Fixed limits (no command changes them); `/wanted` shows the queue."
        ),
        inline=False,
    )
    return embed


def digest_embed(reviews: Sequence[Review]) -> discord.Embed:
    """One announcement for many new reviews: how many, and the first titles."""
    lines = [
        f"• {plain(review.display_title, 150)}"
        + ("" if review.score is None else f" — {review.score:g}/10")
        for review in reviews[:DIGEST_SHOWN]
    ]
    hidden = len(reviews) - len(lines)
    if hidden:
        lines.append(f"…and {hidden} more.")
    lines.append("Look any of them up with `/review`.")
    return discord.Embed(
        title=f"{len(reviews)} new reviews", description="\n".join(lines), colour=INFO_COLOUR
    )


def help_embeds(entries: Sequence[CommandHelp]) -> list[discord.Embed]:
    """/help: one embed for everyone's commands, one for the moderators'."""
    embeds = []
    for moderators, title in ((False, "Commands"), (True, "For moderators")):
        lines = [
            f"`{entry.usage}`" + (f" — {entry.description}" if entry.description else "")
            for entry in entries
            if entry.moderators is moderators
        ]
        if lines:
            description = _lines_within(lines, DESCRIPTION_LIMIT)
            embeds.append(discord.Embed(title=title, description=description, colour=INFO_COLOUR))
    embeds[-1].set_footer(text="[option:] is optional. Type / in Discord to see each option.")
    return embeds


def _lines_within(lines: Sequence[str], limit: int) -> str:
    """Whole lines, as many as fit."""
    shown: list[str] = []
    for line in lines:
        if len("\n".join([*shown, line, ELLIPSIS])) > limit:
            return "\n".join([*shown, ELLIPSIS])
        shown.append(line)
    return "\n".join(shown)


def _shown_query(query: str) -> str:
    return escape_text(" ".join(query.split())[:80])


def closest_match_text(query: str) -> str:
    """Above a card that is only the closest match to what was typed."""
    return f"Closest match for “{_shown_query(query)}”:"


def lookup_text(kind: Kind, query: str, *, offered: bool) -> str | None:
    """Above the reply to a typed title: nothing over the film asked for, and what
    it is over anything else."""
    if kind is Kind.NO_CARD:
        return no_match_text(query, offered=offered)
    if kind is Kind.CLOSEST_MATCH:
        return closest_match_text(query)
    return None


def no_match_text(query: str, *, offered: bool) -> str:
    """The private reply when nothing is sure enough for a card; when titles are
    ``offered``, a did-you-mean menu of them follows."""
    if offered:
        return f"Nothing called “{_shown_query(query)}” — did you mean:"
    return (
        f"No review matches “{_shown_query(query)}”. "
        "Moderators can see what members looked for with /wanted."
    )


def shared_text(sharer: str) -> str:
    """Above a card a member posted in the channel from a private reply."""
    return f"{escape_text(' '.join(sharer.split()))} shared this review."


def only_film_text(described: str) -> str:
    """When **Another** has no other film to offer; ``described`` names the filters
    (:func:`describe_options`), empty when there are none."""
    pool = f"matching {described}" if described else "in the catalog"
    return f"That's the only film {pool}."
