"""The /stats chart: a PNG of the documented size for any catalog, and its cache.

Bars are counted in the decoded image (runs of a panel's colour along one line of
pixels), so these tests see what a member would see, not matplotlib's objects.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool

import pytest
from PIL import Image

from bot import charts
from bot.charts import (
    BACKGROUND,
    COUNTS_LEFT,
    DECADE_COLOUR,
    GENRE_BARS,
    GENRE_COLOUR,
    GENRES_LEFT,
    GRID,
    HEIGHT_PX,
    MUTED_TEXT,
    SCORE_COLOUR,
    TEXT,
    THREE_PANELS,
    TWO_PANELS,
    WIDTH_PX,
    ChartCache,
    RenderProcess,
    render_chart,
)
from bot.histograms import CatalogHistograms
from bot.models import ReviewFilters

EMPTY = CatalogHistograms(total=0)
ONE = CatalogHistograms(
    total=1, average_score=8.5, by_score={8.5: 1}, by_decade={1990: 1}, by_genre=[("Crime", 1)]
)
MANY = CatalogHistograms(
    total=58_788,
    average_score=5.93,
    by_score={edge / 2: 900 + 150 * (edge % 5) for edge in range(2, 21)},  # 19 bins
    by_decade={1920: 700, 1930: 800, 1950: 900, 1960: 1_000, 1990: 21_000, 2000: 30_000},
    by_genre=[(f"Genre number {n} with a long name", 12_000 - 900 * n) for n in range(12)],
)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def runs(pixels: list[tuple[int, int, int]], colour: str) -> int:
    """How many bars of ``colour`` a line of pixels crosses: stretches of that colour
    parted by the background (a line drawn over a bar, like the average's, does not
    part it; nor do the blended pixels at its edges)."""
    bar, background = rgb(colour), rgb(BACKGROUND)
    seen = [pixel for pixel in pixels if pixel in (bar, background)]
    return sum(1 for i, pixel in enumerate(seen) if pixel == bar and (i == 0 or seen[i - 1] != bar))


def row_above_axis(image: Image.Image, bottom: float, left: float) -> list[tuple[int, int, int]]:
    """The pixels just above a panel's baseline (figure fraction ``bottom``)."""
    y = int(HEIGHT_PX * (1 - bottom)) - 4
    return [image.getpixel((x, y)) for x in range(int(WIDTH_PX * left), WIDTH_PX)]  # type: ignore[misc]


def column_beside_axis(image: Image.Image, left: float) -> list[tuple[int, int, int]]:
    x = int(WIDTH_PX * left) + 4
    return [image.getpixel((x, y)) for y in range(HEIGHT_PX)]  # type: ignore[misc]


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    found = image.getcolors(maxcolors=WIDTH_PX * HEIGHT_PX)
    assert found is not None
    return {colour for _, colour in found}  # type: ignore[misc]


@pytest.mark.parametrize("histograms", [EMPTY, ONE, MANY], ids=["empty", "one", "many"])
def test_every_catalog_renders_a_png_of_the_documented_size(
    histograms: CatalogHistograms,
) -> None:
    image = decode(render_chart(histograms))
    assert image.size == (WIDTH_PX, HEIGHT_PX) == (1200, 1500)
    assert rgb(TEXT) in colours(image)  # the title, at least
    assert image.getpixel((0, 0)) == rgb(BACKGROUND)  # opaque: the same in both themes


def test_an_empty_catalog_draws_no_bars_and_says_so() -> None:
    image = decode(render_chart(EMPTY))
    drawn = colours(image)
    assert not drawn & {rgb(SCORE_COLOUR), rgb(DECADE_COLOUR), rgb(GENRE_COLOUR)}
    assert rgb(MUTED_TEXT) in drawn  # "No scores yet", "No films yet"


def test_one_review_is_one_bar_in_each_panel() -> None:
    image = decode(render_chart(ONE))
    scores, decades, _ = THREE_PANELS
    assert runs(row_above_axis(image, scores[0], COUNTS_LEFT), SCORE_COLOUR) == 1
    assert runs(row_above_axis(image, decades[0], COUNTS_LEFT), DECADE_COLOUR) == 1
    assert runs(column_beside_axis(image, GENRES_LEFT), GENRE_COLOUR) == 1


def test_many_reviews_draw_a_bar_per_bin_decade_and_at_most_eight_genres() -> None:
    image = decode(render_chart(MANY))
    scores, decades, _ = THREE_PANELS
    assert runs(row_above_axis(image, scores[0], COUNTS_LEFT), SCORE_COLOUR) == 19
    # Six decades with films; the empty 1940s, 1970s and 1980s show as gaps.
    assert runs(row_above_axis(image, decades[0], COUNTS_LEFT), DECADE_COLOUR) == 6
    assert runs(column_beside_axis(image, GENRES_LEFT), GENRE_COLOUR) == GENRE_BARS == 8


def test_without_genres_the_two_other_panels_fill_the_image() -> None:
    no_genres = CatalogHistograms(
        total=3, average_score=5.0, by_score={2.0: 1, 8.0: 2}, by_decade={1970: 3}
    )
    image = decode(render_chart(no_genres))
    assert rgb(GENRE_COLOUR) not in colours(image)
    scores, decades = TWO_PANELS
    assert runs(row_above_axis(image, scores[0], COUNTS_LEFT), SCORE_COLOUR) == 2
    assert runs(row_above_axis(image, decades[0], COUNTS_LEFT), DECADE_COLOUR) == 1


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""

    def luminance(colour: str) -> float:
        channels = [value / 255 for value in rgb(colour)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_and_bars_stand_out_from_the_card_as_the_module_promises() -> None:
    assert contrast(TEXT, BACKGROUND) >= 7
    assert contrast(MUTED_TEXT, BACKGROUND) >= 7
    for bar in (SCORE_COLOUR, DECADE_COLOUR, GENRE_COLOUR):
        assert contrast(bar, BACKGROUND) >= 4.5
    assert contrast(GRID, BACKGROUND) < contrast(MUTED_TEXT, BACKGROUND)  # lines stay quiet


def test_renders_need_no_display_nor_pyplot_whatever_backend_is_configured() -> None:
    script = (
        "import sys; from bot.charts import render_chart; from bot.histograms import "
        "CatalogHistograms; png = render_chart(CatalogHistograms(total=1, by_decade={1990: 1}));"
        "assert png.startswith(b'\\x89PNG'); assert 'matplotlib.pyplot' not in sys.modules"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLBACKEND"] = "TkAgg"  # a GUI backend: would fail without a display if it were used
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_bot_the_console_and_the_cli_start_without_importing_matplotlib() -> None:
    # It is about half of their start-up time; only the first chart drawn imports it.
    script = (
        "import sys, bot.cli, bot.client, bot.console, bot.charts; "
        "assert not [m for m in sys.modules if m.startswith(('matplotlib', 'PIL'))]"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_renders_in_several_threads_at_once_are_the_same_as_one_alone() -> None:
    alone = render_chart(MANY)
    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: results.append(render_chart(MANY))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [alone] * 4


# -- the cache -------------------------------------------------------------------------


async def settle() -> None:
    """Let every task that can run, run until it waits (a few loop turns, no clock)."""
    for _ in range(20):
        await asyncio.sleep(0)


class Catalog:
    """Histograms by scope, as the store would answer; counts the queries."""

    def __init__(self) -> None:
        self.histograms: dict[int | None, CatalogHistograms] = {None: ONE, 7: EMPTY}
        self.loads = 0
        self.held = False  # True: each query waits until its gate is opened
        self.gates: list[asyncio.Event] = []
        self.fail_next = False

    def open_gates(self) -> None:
        self.held = False
        for gate in self.gates:
            gate.set()

    async def load(self, scope: int | None, filters: ReviewFilters) -> CatalogHistograms:
        self.loads += 1
        histograms = self.histograms[scope]  # what the catalog holds when asked
        gate = asyncio.Event()
        self.gates.append(gate)
        if not self.held:
            gate.set()
        await gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("database unreachable")
        if filters.genre is not None:
            return CatalogHistograms(total=0)
        return histograms


async def test_ten_concurrent_requests_for_one_chart_query_and_render_once() -> None:
    catalog = Catalog()
    cache = ChartCache(catalog.load)
    catalog.held = True
    waiting = [asyncio.create_task(cache.get(None, ReviewFilters())) for _ in range(10)]
    await settle()
    catalog.open_gates()
    got = await asyncio.gather(*waiting)
    assert (catalog.loads, cache.renders) == (1, 1)
    assert all(chart is got[0] for chart in got)
    assert got[0].histograms == ONE
    assert decode(got[0].png).size == (WIDTH_PX, HEIGHT_PX)


async def test_a_second_request_is_served_from_the_cache_until_the_catalog_changes() -> None:
    catalog = Catalog()
    cache = ChartCache(catalog.load)
    first = await cache.get(None, ReviewFilters())
    assert await cache.get(None, ReviewFilters()) is first
    assert (catalog.loads, cache.renders) == (1, 1)
    catalog.histograms[None] = MANY
    cache.invalidate()
    after = await cache.get(None, ReviewFilters())
    assert after.histograms == MANY
    assert after.png != first.png
    assert (catalog.loads, cache.renders) == (2, 2)


async def test_scopes_and_filters_are_charted_separately() -> None:
    catalog = Catalog()
    cache = ChartCache(catalog.load)
    everything = await cache.get(None, ReviewFilters())
    guild = await cache.get(7, ReviewFilters())
    crime = await cache.get(None, ReviewFilters(genre="Crime"))
    assert everything.histograms == ONE
    assert guild.histograms == crime.histograms == EMPTY
    assert cache.renders == 3
    assert await cache.get(None, ReviewFilters(genre="Crime")) is crime
    assert cache.renders == 3


async def test_a_drawing_begun_before_a_change_is_neither_joined_nor_kept_after_it() -> None:
    catalog = Catalog()
    cache = ChartCache(catalog.load)
    catalog.held = True
    before = asyncio.create_task(cache.get(None, ReviewFilters()))
    await settle()
    catalog.histograms[None] = MANY
    cache.invalidate()
    after = asyncio.create_task(cache.get(None, ReviewFilters()))
    await settle()
    assert catalog.loads == 2  # the second request did not wait for the first drawing
    # The newer drawing lands first; the older one, landing after it, must not replace it.
    catalog.gates[1].set()
    assert (await after).histograms == MANY
    catalog.gates[0].set()
    assert (await before).histograms == ONE
    assert (await cache.get(None, ReviewFilters())) is after.result()
    assert cache.renders == 2


async def test_a_member_who_gives_up_does_not_cancel_the_others_chart() -> None:
    catalog = Catalog()
    cache = ChartCache(catalog.load)
    catalog.held = True
    impatient = asyncio.create_task(cache.get(None, ReviewFilters()))
    patient = asyncio.create_task(cache.get(None, ReviewFilters()))
    await settle()
    impatient.cancel()
    catalog.open_gates()
    assert (await patient).histograms == ONE
    assert impatient.cancelled()
    assert cache.renders == 1


async def test_a_failed_query_reaches_every_waiter_and_is_not_cached() -> None:
    catalog = Catalog()
    cache = ChartCache(catalog.load)
    catalog.fail_next = True
    catalog.held = True
    waiting = [asyncio.create_task(cache.get(None, ReviewFilters())) for _ in range(3)]
    await settle()
    catalog.open_gates()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert [type(outcome) for outcome in outcomes] == [OSError] * 3
    assert (await cache.get(None, ReviewFilters())).histograms == ONE
    assert (catalog.loads, cache.renders) == (2, 1)


async def test_only_the_most_recently_asked_charts_are_kept() -> None:
    catalog = Catalog()
    cache = ChartCache(catalog.load, size=2)
    crime, war = ReviewFilters(genre="Crime"), ReviewFilters(genre="War")
    for filters in (ReviewFilters(), crime, ReviewFilters(), war):  # the plain one asked again
        await cache.get(None, filters)
    assert cache.renders == 3
    await cache.get(None, ReviewFilters())  # kept: asked more recently than crime
    assert cache.renders == 3
    await cache.get(None, crime)  # dropped for war
    assert cache.renders == 4


async def test_the_event_loop_keeps_answering_while_a_chart_renders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    rendering = asyncio.Event()
    loop_answered = threading.Event()
    render_threads: list[int] = []
    real_render: Callable[[CatalogHistograms], bytes] = render_chart

    def render_once_the_loop_answered(histograms: CatalogHistograms) -> bytes:
        render_threads.append(threading.get_ident())
        loop.call_soon_threadsafe(rendering.set)
        # Set by the test's coroutine: only possible if the loop runs while this waits.
        assert loop_answered.wait(timeout=60)
        return real_render(histograms)

    monkeypatch.setattr(charts, "render_chart", render_once_the_loop_answered)
    cache = ChartCache(Catalog().load)
    drawing = asyncio.create_task(cache.get(None, ReviewFilters()))
    await rendering.wait()
    loop_answered.set()
    assert (await drawing).histograms == ONE
    assert render_threads != [threading.get_ident()]


# -- the bot's render process ------------------------------------------------------------


async def test_a_render_process_draws_the_same_chart_in_a_child_and_stops_it_on_close() -> None:
    before = set(multiprocessing.active_children())
    process = RenderProcess()
    try:
        png = await process(MANY)
        children = set(multiprocessing.active_children()) - before
        assert len(children) == 1  # drawn in a child process, not in this one
        assert png == render_chart(MANY)
        cache = ChartCache(Catalog().load, render=process)
        chart = await cache.get(None, ReviewFilters())
        assert decode(chart.png).size == (WIDTH_PX, HEIGHT_PX)
        assert set(multiprocessing.active_children()) - before == children  # the same child
    finally:
        process.close()
    assert not children & set(multiprocessing.active_children())
    process.close()  # twice is harmless


async def test_a_render_process_that_died_is_replaced_by_the_next_render() -> None:
    before = set(multiprocessing.active_children())
    process = RenderProcess()
    try:
        await process(ONE)
        [child] = set(multiprocessing.active_children()) - before
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        with pytest.raises(BrokenProcessPool):
            await process(ONE)
        assert await process(ONE) == render_chart(ONE)
    finally:
        process.close()
