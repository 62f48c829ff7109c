"""Importers: review pages, JSON, CSV and Letterboxd exports, and the exporters."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalog import STARTER_CATALOG
from bot.formats.csv_reader import excerpt
from bot.formats.export import export_csv, export_json
from bot.formats.json_reader import JSON_READ_CHARS
from bot.importers import (
    MAX_REPORTED_PROBLEMS,
    ImportFailed,
    detect_format,
    iter_reviews,
    parse_reviews,
    read_review_file,
)
from bot.models import ReviewDraft
from bot.validation import review_from_fields

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEED_DIR = Path(__file__).resolve().parents[3] / "shared" / "seed"

CHROME_MARKERS = ("Scene from", "poster", "Skip to main content", "minute read", "Keep Exploring")


def fixture(relative: str) -> Path:
    return FIXTURES / relative


def read_one(relative: str) -> ReviewDraft:
    reviews = read_review_file(fixture(relative))
    assert len(reviews) == 1, [review.title for review in reviews]
    return reviews[0]


def import_error(relative: str) -> str:
    with pytest.raises(ImportFailed) as caught:
        read_review_file(fixture(relative))
    return str(caught.value)


def assert_no_chrome(text: str) -> None:
    for marker in CHROME_MARKERS:
        assert marker not in text, f"{marker!r} leaked into {text[:120]!r}"


# -- review pages, field by field ------------------------------------------------

PAGE_EXPECTATIONS = {
    "pages/full.txt": {
        "title": "The Cartographer's Winter",
        "year": 2021,
        "tagline": "Every map is a promise someone couldn't keep.",
        "runtime": 118,
        "directors": ("Mara Ellison",),
        "cast": ("Ines Okafor", "Jonah Reyes", "Theo Lindqvist", "Greta Halvorsen"),
        "score": 8.5,
        "verdict": "Essential",
        "verdict_start": "A patient, generous drama about who gets to decide",
        "body_start": "Snow does most of the talking",
    },
    "pages/no_tagline.txt": {
        "title": "Night Ferry to Rosslare",
        "year": 2018,
        "tagline": "",
        "runtime": 94,
        "directors": ("Aoife Brennan",),
        "cast": ("Ciarán Doyle", "Marta Quinn", "Peadar Walsh"),
        "score": 7.5,
        "verdict": "Recommended",
        "verdict_start": "A tidy, sea-sick little thriller",
        "body_start": "Almost the entire film takes place on a car deck",
    },
    "pages/two_directors.txt": {
        "title": "Everything Everywhere All at Once",
        "year": 2022,
        "tagline": "Do your taxes. Save the multiverse. In that order.",
        "runtime": 139,
        "directors": ("Daniel Kwan", "Daniel Scheinert"),
        "cast": ("Michelle Yeoh", "Stephanie Hsu", "Ke Huy Quan", "Jamie Lee Curtis"),
        "score": 9.0,
        "verdict": "Essential",
        "verdict_start": "Maximalist filmmaking with a surprisingly simple heart.",
        "body_start": "A laundromat owner in the middle of an audit",
    },
    "pages/whole_score.txt": {
        "title": "Paper Lanterns",
        "year": 2015,
        "tagline": "Light travels further than you think.",
        "runtime": 102,
        "directors": ("Hana Mori",),
        "cast": ("Yui Tanaka", "Kenji Aoyama", "Sora Ito"),
        "score": 7.0,
        "verdict": "Recommended",
        "verdict_start": "Warm, modest and a touch too polite.",
        "body_start": "A widowed shopkeeper agrees to help",
    },
    "pages/no_cast.txt": {
        "title": "Tidewater",
        "year": 2019,
        "tagline": "The sea keeps its own calendar.",
        "runtime": 88,
        "directors": ("Owen Pryce",),
        "cast": (),
        "score": 8.0,
        "verdict": "Worth a Look",
        "verdict_start": "A meditative documentary that asks for patience",
        "body_start": "There are no interviews and no narration",
    },
}


@pytest.mark.parametrize("page", sorted(PAGE_EXPECTATIONS))
def test_review_page_fields_are_read_from_their_lines(page: str) -> None:
    expected = PAGE_EXPECTATIONS[page]
    review = read_one(page)
    assert review.title == expected["title"]
    assert review.year == expected["year"]
    assert review.tagline == expected["tagline"]
    assert review.runtime == expected["runtime"]
    assert review.directors == expected["directors"]
    assert review.cast == expected["cast"]
    assert review.score == expected["score"]
    assert review.verdict == expected["verdict"]
    assert review.verdict_text.startswith(expected["verdict_start"])
    assert review.body.startswith(expected["body_start"])
    assert_no_chrome(review.body)
    assert_no_chrome(review.verdict_text)


def test_full_page_body_keeps_every_paragraph_and_the_section_heading_in_order() -> None:
    review = read_one("pages/full.txt")
    paragraphs = review.body.split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[2] == "Lines on Paper"
    assert paragraphs[1].startswith("Ellison, whose earlier shorts")
    assert paragraphs[-1].startswith("The last act leans on a storm sequence")
    assert "8.5" not in review.body
    assert "Essential" not in review.body


def test_full_page_keeps_both_verdict_paragraphs_and_drops_the_trailer() -> None:
    review = read_one("pages/full.txt")
    first, second = review.verdict_text.split("\n\n")
    assert first.endswith("quietly commanding performances.")
    assert second.startswith("Bring a warm drink")
    for trailer in ("Latest Reviews", "About the Critics", "Newsletter", "Back to top"):
        assert trailer not in review.verdict_text
        assert trailer not in review.body


def test_a_wrapped_paragraph_is_joined_into_one_line() -> None:
    text = "2020\nFilm\n\nFirst half of a sentence\nand its second half.\n\nNext paragraph.\n"
    (review,) = parse_reviews(text, filename="wrapped.txt")
    assert review.body == "First half of a sentence and its second half.\n\nNext paragraph."


def test_two_pasted_pages_become_two_reviews_without_mixing_fields() -> None:
    first, second = read_review_file(fixture("pages/two_pages.txt"))
    assert (first.title, first.year, first.score, first.verdict) == (
        "Harbour Lights",
        2012,
        7.5,
        "Recommended",
    )
    assert (second.title, second.year, second.score, second.verdict) == (
        "Static Bloom",
        2020,
        6.5,
        "Mixed",
    )
    assert first.cast == ("Ada Brandt", "Jonas Keller", "Mila Roth")
    assert second.directors == ("Priya Nair",)
    assert second.runtime == 111
    assert "Static Bloom" not in first.body + first.verdict_text
    assert "About the Critics" not in first.verdict_text
    assert "lighthouse" not in second.body
    for review in (first, second):
        assert_no_chrome(review.body)
        assert_no_chrome(review.verdict_text)


def test_page_score_above_ten_is_rejected_naming_the_score_field() -> None:
    message = import_error("pages/bad_score.txt")
    assert "bad_score.txt" in message
    assert "page at line 1" in message
    assert "score: score must be between 0 and 10, got 11" in message


def test_page_field_problem_also_names_the_line_the_field_is_on() -> None:
    message = import_error("pages/bad_score.txt")
    assert "page at line 1, line 18, score: score must be between 0 and 10" in message


def test_page_without_a_year_is_rejected_asking_for_the_year() -> None:
    message = import_error("pages/no_year.txt")
    assert "no_year.txt: nothing imported" in message
    assert "page at line 1" in message
    assert "release year" in message


def test_year_must_be_followed_by_a_title() -> None:
    with pytest.raises(ImportFailed, match="line 3: a title must follow the year"):
        parse_reviews("Skip to main content\n\n2020\n\n\n", filename="cut.txt")


@pytest.mark.parametrize(
    ("bullet", "minutes"),
    [("105 minutes", 105), ("1h 45m", 105), ("2 hours", 120), ("90 mins", 90), ("98 min", 98)],
)
def test_runtime_bullet_accepts_hours_and_minutes(bullet: str, minutes: int) -> None:
    text = f"2020\nFilm\n  • {bullet}\n  • Directed by Someone\n\nBody.\n"
    (review,) = parse_reviews(text, filename="runtime.txt")
    assert review.runtime == minutes
    assert review.directors == ("Someone",)


@pytest.mark.parametrize(
    ("line", "directors"),
    [
        ("Directed by Joel Coen & Ethan Coen", ("Joel Coen", "Ethan Coen")),
        ("Directed by A. One, B. Two and C. Three", ("A. One", "B. Two", "C. Three")),
        ("directed by Agnès Varda", ("Agnès Varda",)),
    ],
)
def test_directed_by_bullet_splits_on_and_ampersand_and_commas(
    line: str, directors: tuple[str, ...]
) -> None:
    (review,) = parse_reviews(f"2020\nFilm\n• {line}\n\nBody.\n", filename="d.txt")
    assert review.directors == directors


def test_page_score_with_decimal_comma_is_read() -> None:
    text = "2020\nFilm\n\nBody.\n\n8,5 /10\n\nRecommended\n\nGood.\n"
    (review,) = parse_reviews(text, filename="comma.txt")
    assert review.score == 8.5


def test_page_without_a_score_keeps_the_body_and_leaves_score_empty() -> None:
    text = "2020\nFilm\n\nOnly a body here.\n\nKeep Exploring...\n"
    (review,) = parse_reviews(text, filename="noscore.txt")
    assert review.score is None
    assert review.verdict == ""
    assert review.body == "Only a body here."


def test_page_score_is_not_taken_from_the_keep_exploring_trailer() -> None:
    # Regression: the score search must stop at "Keep Exploring...", or a page
    # without a score picks up a related review's score and label from the trailer.
    text = (
        "Skip to main content\n\n2020\n\nFilm\n\nThe body of an unscored review.\n\n"
        "Keep Exploring...\n\n2019\n\nAnother Film\n\n8 /10\n\nEssential\n"
    )
    (review,) = parse_reviews(text, filename="trailer.txt")
    assert review.score is None
    assert review.verdict == ""


@pytest.mark.parametrize(
    "after_score",
    ["Keep Exploring...", "Scene from Film", "⏱ 3-minute read"],
)
def test_verdict_label_is_never_a_chrome_line(after_score: str) -> None:
    # Regression: the label is the next line after the score that is not site chrome.
    text = f"2020\nFilm\n\nBody.\n\n8 /10\n\n{after_score}\n\nEssential\n\nGood film.\n"
    (review,) = parse_reviews(text, filename="label.txt")
    assert review.verdict in {"", "Essential"}
    assert_no_chrome(review.verdict)


# -- the real page the critics' site publishes ---------------------------------


def test_seed_review_page_parses_exactly() -> None:
    if not SEED_DIR.is_dir():
        pytest.skip(f"seed folder {SEED_DIR} is not present on this machine")
    reviews = read_review_file(SEED_DIR / "all-of-us-strangers.txt")
    assert len(reviews) == 1
    review = reviews[0]
    assert review.title == "All of Us Strangers"
    assert review.year == 2023
    assert review.tagline == "The ghosts we keep are the ones we need."
    assert review.runtime == 105
    assert review.directors == ("Andrew Haigh",)
    assert review.cast == ("Andrew Scott", "Paul Mescal", "Carter John Grout")
    assert review.score == 9.5
    assert review.verdict == "Masterpiece"
    assert review.verdict_text.startswith("This isn't a film you watch")
    assert review.body
    assert_no_chrome(review.body)
    assert_no_chrome(review.verdict_text)
    assert "9.5" not in review.body


# -- JSON and CSV ---------------------------------------------------------------


def test_json_fixture_reads_every_field() -> None:
    first, second, third = read_review_file(fixture("reviews.json"))
    assert first.content() == {
        "title": "The Dark Knight",
        "year": 2008,
        "tagline": "A city gets the hero it can afford.",
        "directors": ["Christopher Nolan"],
        "cast": ["Christian Bale", "Heath Ledger", "Aaron Eckhart"],
        "runtime": 152,
        "score": 9.0,
        "verdict": "Essential",
        "verdict_text": "A crime epic wearing a cape.",
        "body": "Nolan's sequel plays like a heist film that swallowed a tragedy.\n\n"
        'Ledger\'s "magic trick" scene is still startling.',
        "reviewer": "Test Critic",
        "review_url": "https://reviews.example.com/the-dark-knight",
        "poster_url": "https://img.example.com/tdk.jpg",
        "genres": ["Action", "Crime"],
        "aliases": ["TDK", "Dark Knight, The"],
    }
    assert second.aliases == ("Le Fabuleux Destin d'Amélie Poulain", "Amelie")
    assert third.verdict_text.endswith("🛁")
    assert third.aliases[1] == "千と千尋の神隠し"


def test_csv_fixture_reads_every_field_and_splits_lists() -> None:
    heat, portrait, godfather = read_review_file(fixture("reviews.csv"))
    assert heat.content() == {
        "title": "Heat",
        "year": 1995,
        "tagline": "Two professionals, one city.",
        "directors": ["Michael Mann"],
        "cast": ["Al Pacino", "Robert De Niro", "Val Kilmer"],
        "runtime": 170,
        "score": 9.3,
        "verdict": "Masterpiece",
        "verdict_text": "The diner scene is the whole film in miniature.",
        "body": "A city-sized crime story.\n\nThe downtown shootout still sets the bar.",
        "reviewer": "Test Critic",
        "review_url": "https://reviews.example.com/heat",
        "poster_url": "https://img.example.com/heat.jpg",
        "genres": ["Crime", "Thriller"],
        "aliases": [],
    }
    assert portrait.cast == ("Noémie Merlant", "Adèle Haenel")
    assert portrait.genres == ("Drama", "Romance")
    assert portrait.verdict_text == 'A romance built out of glances, and a "final" shot that holds.'
    assert godfather.aliases == ("Godfather 2", "Godfather, Part II")
    assert godfather.body == "Two timelines, one family.\nMichael ends alone."


@pytest.mark.parametrize("relative", ["reviews.json", "reviews.csv"])
@pytest.mark.parametrize("export", [export_json, export_csv], ids=["json", "csv"])
def test_export_then_parse_gives_back_the_same_content(relative: str, export) -> None:
    original = read_review_file(fixture(relative))
    suffix = ".json" if export is export_json else ".csv"
    again = parse_reviews(export(original), filename=f"export{suffix}")
    assert [review.content() for review in again] == [review.content() for review in original]


TRICKY = review_from_fields(
    {
        "title": 'The "Quoted", Film',
        "year": 1999,
        "tagline": "Commas, \"quotes\" and 'apostrophes'",
        "directors": ["Zoë Ångström", "李安"],
        "cast": ["Sammy Davis Jr.", "Ana de Armas", "Ме Тест"],
        "runtime": 95,
        "score": 7.5,
        "verdict": "Worth a Look",
        "verdict_text": "Line one.\nLine two, with a comma.",
        "body": 'Para one has "quotes", commas; semicolons.\n\n'
        "Para two: émoji 🎬 and עברית.\r\nDone.",
        "reviewer": "Critic, Senior",
        "review_url": "https://example.com/review?id=1&x=2",
        "poster_url": "",
        "genres": ["Drama", "Comedy"],
        "aliases": ["Dark Knight, The", "Film, Quoted"],
    }
)


@pytest.mark.parametrize("export", [export_json, export_csv], ids=["json", "csv"])
def test_round_trip_keeps_commas_quotes_newlines_and_unicode(export) -> None:
    suffix = ".json" if export is export_json else ".csv"
    (again,) = parse_reviews(export([TRICKY]), filename=f"tricky{suffix}")
    assert again.content() == TRICKY.content()
    assert again.body.count("\n") == 3


def test_csv_round_trip_keeps_a_single_name_that_contains_a_comma() -> None:
    # Regression: a one-item list written as the bare name was split on its
    # comma by the reader; the exporter now adds a trailing ";".
    review = review_from_fields(
        {"title": "Film", "year": 2000, "directors": ["Lee, Spike"], "genres": ["Sci-Fi, Hard"]}
    )
    (again,) = parse_reviews(export_csv([review]), filename="one.csv")
    assert again.directors == ("Lee, Spike",)
    assert again.genres == ("Sci-Fi, Hard",)


def test_export_json_holds_every_field_with_unicode_kept() -> None:
    text = export_json([TRICKY])
    assert "李安" in text
    [record] = json.loads(text)
    assert {name: record[name] for name in TRICKY.content()} == TRICKY.content()
    assert {"id", "scope", "created_by", "created_at", "updated_by", "updated_at"} <= set(record)


def test_export_csv_header_lists_content_then_bookkeeping_fields() -> None:
    header = export_csv([]).splitlines()[0]
    assert header == (
        "title,year,tagline,directors,cast,runtime,score,verdict,verdict_text,body,"
        "reviewer,review_url,poster_url,genres,aliases,"
        "id,scope,created_by,created_at,updated_by,updated_at"
    )


def test_json_may_wrap_the_list_in_a_reviews_key() -> None:
    text = json.dumps({"reviews": [{"title": "Heat", "year": 1995}]})
    (review,) = parse_reviews(text, filename="wrapped.json")
    assert review.display_title == "Heat (1995)"


def test_json_unknown_field_is_rejected_but_csv_unknown_column_is_ignored() -> None:
    with pytest.raises(ImportFailed, match=r"item 1, colour: unknown field 'colour'"):
        parse_reviews('[{"title": "Heat", "year": 1995, "colour": "red"}]', filename="x.json")
    (review,) = parse_reviews("title,year,colour\nHeat,1995,red\n", filename="x.csv")
    assert review.title == "Heat"


def test_csv_accepts_friendly_column_names() -> None:
    text = "Title,Year,Director,Rating,Runtime Minutes,Link\nHeat,1995,Michael Mann,9.3/10,170,https://e.x/h\n"
    (review,) = parse_reviews(text, filename="friendly.csv")
    assert review.directors == ("Michael Mann",)
    assert review.score == 9.3
    assert review.runtime == 170
    assert review.review_url == "https://e.x/h"


def test_csv_skips_blank_rows_but_counts_their_lines() -> None:
    text = "title,year,score\nHeat,1995,9\n,,\n\nArrival,2016,twelve\n"
    with pytest.raises(ImportFailed) as caught:
        parse_reviews(text, filename="gaps.csv")
    assert caught.value.problems == [
        "line 5, score: score must be a number between 0 and 10, got 'twelve'"
    ]


def test_csv_row_error_names_the_line_where_a_multiline_row_starts() -> None:
    # Regression: csv line_num is the line where a record *ends*, not where it starts.
    text = 'title,year,body,score\nHeat,1995,"one\ntwo\nthree",eleven\n'
    with pytest.raises(ImportFailed) as caught:
        parse_reviews(text, filename="multi.csv")
    assert caught.value.problems[0].startswith("line 2, score:")


@pytest.mark.parametrize("fmt", [None, "csv"])
def test_csv_with_old_mac_line_endings_is_read(fmt: str | None) -> None:
    # Regression: detect_format must read with newline="", or a bare "\r"
    # raises csv.Error instead of being a row break.
    reviews = parse_reviews("title,year\rHeat,1995\rArrival,2016\r", filename="mac.csv", fmt=fmt)
    assert [review.title for review in reviews] == ["Heat", "Arrival"]


@pytest.mark.parametrize("fmt", [None, "csv"])
def test_parse_reviews_drops_a_byte_order_mark(fmt: str | None) -> None:
    (review,) = parse_reviews("\ufefftitle,year\nHeat,1995\n", filename="bom.csv", fmt=fmt)
    assert review.title == "Heat"


def test_read_review_file_drops_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefftitle,year\nHeat,1995\n".encode())
    (review,) = read_review_file(path)
    assert review.title == "Heat"


def test_read_review_file_rejects_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("title,year\nAm\xe9lie,2001\n".encode("latin-1"))
    with pytest.raises(ImportFailed, match="not UTF-8"):
        read_review_file(path)


def test_csv_row_with_more_cells_than_header_is_rejected_with_its_line() -> None:
    with pytest.raises(ImportFailed, match="line 3: more cells than header columns"):
        parse_reviews("title,year\nHeat,1995\nArrival,2016,extra\n", filename="wide.csv")


def test_scope_is_stamped_on_every_parsed_review() -> None:
    reviews = parse_reviews("title,year\nHeat,1995\nArrival,2016\n", filename="g.csv", scope=4242)
    assert [review.scope for review in reviews] == [4242, 4242]


# -- Letterboxd -------------------------------------------------------------------


def test_letterboxd_stars_become_a_score_out_of_ten() -> None:
    reviews = read_review_file(fixture("letterboxd_reviews.csv"))
    assert [(review.title, review.year, review.score) for review in reviews] == [
        ("Heat", 1995, 9.0),
        ("Arrival", 2016, 6.0),
        ("Cats", 2019, 1.0),
        ("Paddington 2", 2017, 10.0),
    ]


def test_letterboxd_uri_becomes_the_review_url_and_review_the_body() -> None:
    heat, arrival, *_ = read_review_file(fixture("letterboxd_reviews.csv"))
    assert heat.review_url == "https://boxd.it/5aXk1"
    assert arrival.review_url == "https://boxd.it/5bQz7"
    assert heat.body == (
        "The diner scene, again, is the whole film in miniature.\n\n"
        "Everything else is excellent packaging."
    )
    assert heat.verdict_text == "The diner scene, again, is the whole film in miniature."
    assert arrival.verdict_text == arrival.body
    assert heat.genres == ()  # tags are personal, not genres


def test_letterboxd_row_without_a_rating_has_no_score() -> None:
    text = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Heat,1995,https://boxd.it/a,\n"
    (review,) = parse_reviews(text, filename="diary.csv")
    assert review.score is None


def test_letterboxd_long_review_is_excerpted_for_the_verdict() -> None:
    words = " ".join(["word"] * 2000)
    text = (
        "Date,Name,Year,Letterboxd URI,Rating,Review\n"
        f'2024-01-01,Heat,1995,https://boxd.it/a,4,"{words}"\n'
    )
    (review,) = parse_reviews(text, filename="long.csv")
    assert len(review.verdict_text) <= 4000
    assert review.verdict_text.endswith("word…")
    assert review.body == words


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("one two three four", 12, "one two…"),
        ("one, two, three", 10, "one…"),
        ("abcdefghij", 5, "abcd…"),
    ],
)
def test_excerpt_cuts_at_a_word_and_adds_an_ellipsis(text: str, limit: int, expected: str) -> None:
    result = excerpt(text, limit)
    assert result == expected
    assert len(result) <= limit


# -- malformed files name the row/line and the field ------------------------------


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        (
            "bad/bad_row.csv",
            "bad_row.csv: nothing imported: "
            "line 3, score: score must be a number between 0 and 10, got 'eleven'",
        ),
        (
            "bad/bad_item.json",
            "bad_item.json: nothing imported: "
            "item 2, year: year must be between 1870 and 2100, got 1700",
        ),
        (
            "bad/letterboxd_bad_rating.csv",
            "letterboxd_bad_rating.csv: nothing imported: "
            "line 3, Rating: must be between 0.5 and 5 stars, got '7'",
        ),
    ],
)
def test_malformed_file_error_names_the_row_and_the_field(relative: str, expected: str) -> None:
    assert import_error(relative) == expected


def test_invalid_json_error_names_the_line() -> None:
    message = import_error("bad/not_json.json")
    assert message.startswith("not_json.json: nothing imported: line 4: not valid JSON")


def test_one_bad_row_means_nothing_is_imported_and_every_problem_is_listed() -> None:
    text = "title,year,score\n,1995,9\nArrival,1700,11\nHeat,1995,9\n"
    with pytest.raises(ImportFailed) as caught:
        parse_reviews(text, filename="many.csv")
    assert caught.value.problems == [
        "line 2, title: title must not be empty",
        "line 3, year: year must be between 1870 and 2100, got 1700",
        "line 3, score: score must be between 0 and 10, got 11",
    ]
    assert caught.value.source == "many.csv"


def test_long_problem_lists_are_cut_with_a_count_of_the_rest() -> None:
    rows = "".join(f"Film {n},1700\n" for n in range(MAX_REPORTED_PROBLEMS + 5))
    with pytest.raises(ImportFailed) as caught:
        parse_reviews("title,year\n" + rows, filename="many.csv")
    assert len(caught.value.problems) == MAX_REPORTED_PROBLEMS + 5
    assert str(caught.value).endswith("; and 5 more")
    assert str(caught.value).count("year must be between") == MAX_REPORTED_PROBLEMS


@pytest.mark.parametrize(
    ("filename", "text", "expected"),
    [
        ("empty.json", "[]", "the file holds no reviews"),
        ("empty.csv", "title,year\n", "the file holds no reviews"),
        ("empty.txt", "\n\n", "the file holds no reviews"),
        ("headless.csv", "", "the CSV file has no header row"),
        ("object.json", '{"title": "Heat"}', "expected a JSON list of review objects"),
        ("scalars.json", '[{"title": "Heat", "year": 1995}, 3]', "item 2: expected an object"),
    ],
)
def test_files_without_reviews_are_rejected_with_a_reason(
    filename: str, text: str, expected: str
) -> None:
    with pytest.raises(ImportFailed, match=expected):
        parse_reviews(text, filename=filename)


@pytest.mark.parametrize(
    ("filename", "text"),
    [
        ("deep.json", "[" * 100_000),
        ("huge-number.json", '[{"title": "Heat", "year": ' + "9" * 5000 + "}]"),
        ("huge-header.csv", '"' + "x" * 200_000),
        ("huge-runtime.txt", "2020\nFilm\n• " + "1" * 5000 + " minutes\n\nBody.\n"),
        ("huge-cell.csv", 'title,year\nHeat,"' + "x" * 200_000),
        ("huge-letterboxd.csv", 'Name,Year,Letterboxd URI,Rating\nHeat,"' + "x" * 200_000),
    ],
    ids=[
        "json-nesting",
        "json-5000-digit-number",
        "csv-unclosed-quote-header",
        "page-runtime",
        "csv-unclosed-quote-row",
        "letterboxd-unclosed-quote-row",
    ],
)
def test_hostile_files_are_reported_as_import_failed_not_crashes(filename: str, text: str) -> None:
    # Regression: RecursionError, ValueError (int digit limit) and csv.Error
    # must not escape parse_reviews.
    with pytest.raises(ImportFailed):
        parse_reviews(text, filename=filename)


def test_unknown_format_name_is_rejected() -> None:
    with pytest.raises(ImportFailed, match="unknown format 'xml'"):
        parse_reviews("<x/>", filename="a.xml", fmt="xml")


def test_explicit_format_overrides_the_file_name() -> None:
    (review,) = parse_reviews('[{"title": "Heat", "year": 1995}]', filename="x.txt", fmt="json")
    assert review.title == "Heat"


# -- detect_format ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "text", "expected"),
    [
        ("reviews.json", "[]", "json"),
        ("REVIEWS.JSON", "[]", "json"),
        ("reviews.csv", "title,year\nHeat,1995\n", "csv"),
        ("reviews.csv", "Date,Name,Year,Letterboxd URI,Rating\n", "letterboxd"),
        ("diary.csv", "Name,Year,Letterboxd URI,Rating,Rewatch\n", "letterboxd"),
        ("half.csv", "Name,Year,Rating\n", "csv"),
        ("page.txt", "anything", "page"),
        ("page.md", "anything", "page"),
        ("page.page", "anything", "page"),
        ("pasted", "anything", "page"),
    ],
)
def test_detect_format_uses_suffix_and_csv_header(filename: str, text: str, expected: str) -> None:
    assert detect_format(filename, text) == expected


def test_detect_format_rejects_an_unknown_suffix_naming_it() -> None:
    with pytest.raises(ImportFailed, match=r"unknown file type '\.pdf'"):
        detect_format("review.pdf", "")


def test_letterboxd_fixture_is_detected_from_its_header() -> None:
    text = fixture("letterboxd_reviews.csv").read_text(encoding="utf-8")
    assert detect_format("letterboxd_reviews.csv", text) == "letterboxd"
    assert detect_format("reviews.csv", fixture("reviews.csv").read_text(encoding="utf-8")) == "csv"


# -- the shipped starter catalog --------------------------------------------------


def test_shipped_catalog_imports_cleanly_with_fifteen_distinct_films() -> None:
    reviews = read_review_file(STARTER_CATALOG)
    assert len(reviews) == 15
    assert len({(review.title.casefold(), review.year) for review in reviews}) == 15
    labels = {"Masterpiece", "Essential", "Recommended", "Worth a Look", "Mixed"}
    for review in reviews:
        assert review.reviewer == "reviewbot sample data"
        assert review.verdict in labels
        assert review.score is not None
        assert review.runtime is not None
        assert review.directors
        assert 3 <= len(review.cast) <= 5
        assert review.genres
        assert review.verdict_text.count(".") >= 2


@pytest.mark.parametrize(
    ("title", "year", "runtime", "director"),
    [
        ("Heat", 1995, 170, "Michael Mann"),
        ("The Dark Knight", 2008, 152, "Christopher Nolan"),
        ("The Godfather Part II", 1974, 202, "Francis Ford Coppola"),
        ("Spirited Away", 2001, 125, "Hayao Miyazaki"),
        ("Parasite", 2019, 132, "Bong Joon Ho"),
    ],
)
def test_shipped_catalog_facts(title: str, year: int, runtime: int, director: str) -> None:
    by_title = {r.title: r for r in read_review_file(STARTER_CATALOG)}
    review = by_title[title]
    assert (review.year, review.runtime, review.directors[0]) == (year, runtime, director)


def test_shipped_catalog_carries_the_aliases_people_search_for() -> None:
    aliases = {alias for review in read_review_file(STARTER_CATALOG) for alias in review.aliases}
    for alias in (
        "Le Fabuleux Destin d'Amélie Poulain",
        "Sen to Chihiro no Kamikakushi",
        "Gisaengchung",
        "Godfather 2",
        "TDK",
    ):
        assert alias in aliases


def test_parsing_a_large_catalog_stays_fast() -> None:
    films = [
        replace(TRICKY, title=f"Film {n}", review_url=f"https://r.example/{n}") for n in range(2000)
    ]
    text = export_csv(films)
    started = time.perf_counter()
    reviews = parse_reviews(text, filename="big.csv")
    assert len(reviews) == 2000
    assert time.perf_counter() - started < 5


def test_two_rows_of_one_film_are_refused_naming_both_lines() -> None:
    text = "title,year,score\nHeat,1995,9\nArrival,2016,8\n heat ,1995,7\n"
    with pytest.raises(ImportFailed) as failed:
        parse_reviews(text, filename="dup.csv")
    assert failed.value.problems == [
        "line 4: the same review as line 2 (heat (1995)); keep one of them"
    ]


def test_titles_that_only_normalise_alike_are_two_films() -> None:
    text = 'title,year\n"Puzzle, El",2000\n"Puzzle, The",2000\nThe Heat!,1995\nHeat,1995\n'
    assert len(parse_reviews(text, filename="films.csv")) == 4


def test_an_unclosed_quote_is_reported_at_the_line_it_opens() -> None:
    text = 'title,year\nHeat,1995\n"Arrival,2016\nAlien,1979\n'
    with pytest.raises(ImportFailed) as failed:
        parse_reviews(text, filename="open.csv")
    assert failed.value.problems == ["line 3: a quote opened on this line is never closed"]


def test_a_wrong_header_names_the_missing_columns() -> None:
    with pytest.raises(ImportFailed) as failed:
        parse_reviews("name,released\nHeat,1995\n", filename="wrong.csv")
    assert failed.value.problems == [
        "line 1: the header lacks the column(s) title, year (it has name, released)"
    ]


def test_a_letterboxd_header_without_its_columns_names_them() -> None:
    with pytest.raises(ImportFailed) as failed:
        parse_reviews("Name,Year\nHeat,1995\n", filename="reviews.csv", fmt="letterboxd")
    [problem] = failed.value.problems
    assert "Letterboxd column(s) Letterboxd URI, Rating" in problem


def test_a_lone_surrogate_in_json_is_refused_naming_the_field() -> None:
    with pytest.raises(ImportFailed) as failed:
        parse_reviews('[{"title": "Heat\\ud800", "year": 1995}]', filename="s.json")
    [problem] = failed.value.problems
    assert problem.startswith("item 1, title: holds '\\ud800', half of a character")
    str(failed.value).encode("utf-8")  # the message itself can be printed


def test_a_problem_quoting_a_huge_value_is_elided() -> None:
    with pytest.raises(ImportFailed) as failed:
        parse_reviews(f'[{{"title": "Heat", "year": 1995, "{"k" * 5000}": 1}}]', filename="k.json")
    assert len(str(failed.value)) < 400


# -- streaming: a file is read as its reviews are taken --------------------------------


def _films_json(count: int) -> str:
    return json.dumps([{"title": f"Film {n}", "year": 2000, "score": 7} for n in range(count)])


def test_a_json_file_is_read_a_window_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "films.json"
    path.write_text(_films_json(60_000), encoding="utf-8")
    with path.open(encoding="utf-8", newline="") as stream:
        reviews = iter_reviews(stream, filename=path.name)
        first = next(reviews)
        # One review taken: the reader holds its window, not the file.
        assert stream.buffer.tell() <= 2 * JSON_READ_CHARS < path.stat().st_size
        assert first.title == "Film 0"
        assert sum(1 for _ in reviews) == 59_999


def test_a_bad_row_at_the_end_of_a_streamed_file_names_its_line_past_the_first_window(
    tmp_path: Path,
) -> None:
    lines = [
        json.dumps({"title": f"Film {n}", "year": 2000, "body": "x" * 60}) for n in range(40_000)
    ]
    lines.append('{"title": "Last", "year": 1492}')
    path = tmp_path / "films.json"
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    assert path.stat().st_size > 2 * JSON_READ_CHARS
    with pytest.raises(ImportFailed) as failed:
        read_review_file(path)
    assert failed.value.problems == [
        "item 40001, year: year must be between 1870 and 2100, got 1492"
    ]


def test_invalid_json_past_the_first_window_is_named_by_its_file_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": f"Film {n}", "year": 2000, "body": "x" * 60}) for n in range(40_000)
    ]
    path = tmp_path / "films.json"
    path.write_text("[\n" + ",\n".join(lines) + ",\n{oops}\n]\n", encoding="utf-8")
    assert path.stat().st_size > 2 * JSON_READ_CHARS
    with pytest.raises(ImportFailed) as failed:
        read_review_file(path)
    [problem] = failed.value.problems
    assert problem.startswith("line 40002: not valid JSON")
