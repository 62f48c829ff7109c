"""The /stats chart: one PNG of how a catalog's reviews spread by score, decade and genre.

**Size.** 1200 × 1500 px (8 × 10 in at 150 DPI), the panels stacked: a phone shows an
embed's image at the width of the message column, about 360 px, and there the tick
labels are still about 9 px tall and the headings 11 px. The size is the same for
every catalog, empty or not.

**Colours.** An opaque card in Discord's dark embed grey, so one image reads in both
themes: in the dark one it sits in the embed, in the light one it is a dark card.
Text has a contrast of at least 7:1 against it, bars at least 4.5:1; the bar colours
are from the Okabe–Ito palette, which colour-blind members tell apart too.

**Threads.** Each chart is drawn on its own :class:`~matplotlib.figure.Figure` with its
own Agg canvas, never through pyplot: no global figure state, no display, and no
backend to choose (so no ``matplotlib.use`` either, whatever was imported first).
Matplotlib does not promise that two renders in two threads are safe (fonts and text
layout are cached globally), so renders take a lock; the GIL would run them one at a
time anyway.

**Processes.** A render in a thread holds the bot's GIL for a few hundred
milliseconds in 5 ms turns, and every step of another member's lookup waits for a
turn: the event loop's timers fire up to 10 ms late (p99) while a chart renders in a
thread, 0.4 ms late while it renders in a process, and ``/review``'s p50 beside ten
renders is 6.3 ms against 3.5 ms (3.0 ms idle; docs/benchmarks.md). The bot therefore
draws in a process of its own (:class:`RenderProcess`, at a lower CPU priority);
tests and the CLI draw in a thread (:func:`render_in_thread`).
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import signal
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING

from bot.histograms import SCORE_STEP, CatalogHistograms
from bot.models import ReviewFilters

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX = 1200
HEIGHT_PX = 1500
DPI = 150
GENRE_BARS = 8  # more would not leave a phone-readable line per genre
DECADE_LABELS = 7  # at most this many decade labels fit side by side at LABEL_PT
GENRE_LABEL_CHARS = 18

BACKGROUND = "#2B2D31"  # Discord's dark embed background
TEXT = "#F2F3F5"
MUTED_TEXT = "#B5BAC1"
GRID = "#4E5058"
SCORE_COLOUR = "#56B4E9"  # Okabe–Ito sky blue
DECADE_COLOUR = "#E69F00"  # Okabe–Ito orange
GENRE_COLOUR = "#CC79A7"  # Okabe–Ito reddish purple

PNG_COMPRESSION = 3  # zlib level: 6, the default, takes twice as long for 10% less

TITLE_PT = 22
HEADING_PT = 18
LABEL_PT = 15

# Where the panels sit, in fractions of the figure: fixed, since the size and the fonts
# are (a layout engine measuring every label would double the render time).
COUNTS_LEFT = 0.13  # room for "21,811" beside a count axis
GENRES_LEFT = 0.31  # room for GENRE_LABEL_CHARS characters
RIGHT = 0.97
# (bottom, height) of each panel: scores, decades and, when there are genres, genres.
Places = tuple[tuple[float, float], ...]
THREE_PANELS: Places = ((0.685, 0.215), (0.375, 0.215), (0.025, 0.245))
TWO_PANELS: Places = ((0.56, 0.34), (0.08, 0.37))

_render_lock = threading.Lock()


def render_chart(histograms: CatalogHistograms) -> bytes:
    """The chart of ``histograms`` as PNG bytes, :data:`WIDTH_PX` × :data:`HEIGHT_PX`.

    CPU-bound for a few hundred milliseconds: call it in a worker thread from async code
    (:class:`ChartCache` does).
    """
    # Imported here, with the first chart: matplotlib is about half of the bot's and
    # the console's start-up time, and most processes never draw a chart.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    with _render_lock:
        figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=BACKGROUND)
        figure.text(
            0.5, 0.985, _title(histograms), ha="center", va="top",
            color=TEXT, fontsize=TITLE_PT, fontweight="bold",
        )  # fmt: skip
        places = THREE_PANELS if histograms.by_genre else TWO_PANELS
        scores = _panel(figure, places[0], COUNTS_LEFT, "Scores, by half point")
        _draw_scores(scores, histograms)
        decades = _panel(figure, places[1], COUNTS_LEFT, "Films by decade")
        _draw_decades(decades, histograms.by_decade)
        if histograms.by_genre:
            genres = _panel(figure, places[2], GENRES_LEFT, "Most common genres")
            _draw_genres(genres, histograms.by_genre[:GENRE_BARS])
        FigureCanvasAgg(figure)  # attaches itself: no backend is looked up
        raw = io.BytesIO()
        figure.savefig(raw, format="rgba")
    pixels = Image.frombytes("RGBA", (WIDTH_PX, HEIGHT_PX), raw.getvalue())
    # Opaque, so RGB, and light compression: the whole render takes 190 ms of CPU
    # instead of 230 with matplotlib's own PNG writer (RGBA, zlib level 6), for a file
    # of 123 KiB instead of 114 (the 58,788-film chart). Outside the lock: Pillow's own.
    png = io.BytesIO()
    pixels.convert("RGB").save(png, format="PNG", compress_level=PNG_COMPRESSION)
    return png.getvalue()


def _title(histograms: CatalogHistograms) -> str:
    if histograms.total == 0:
        return "No reviews yet"
    reviews = f"{histograms.total:,} review{'s' if histograms.total != 1 else ''}"
    if histograms.average_score is None:
        return reviews
    return f"{reviews} · average score {histograms.average_score:.1f}"


def _panel(figure: Figure, place: tuple[float, float], left: float, heading: str) -> Axes:
    bottom, height = place
    # Headings line up at the figure's edge, wherever each panel's axes begin.
    figure.text(
        0.03, bottom + height + 0.015, heading, va="bottom", color=TEXT, fontsize=HEADING_PT
    )
    axes = figure.add_axes((left, bottom, RIGHT - left, height), facecolor=BACKGROUND)
    axes.tick_params(colors=MUTED_TEXT, labelsize=LABEL_PT, length=0, pad=8)
    for side, spine in axes.spines.items():
        spine.set_visible(side == "bottom")
        spine.set_color(GRID)
    axes.set_axisbelow(True)
    return axes


def _count_axis(axes: Axes) -> None:
    """Whole numbers with thousands separators, a few gridlines to read bar heights by."""
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter  # see render_chart

    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.grid(axis="y", color=GRID, linewidth=1)


def _say_nothing(axes: Axes, text: str) -> None:
    axes.text(
        0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center",
        color=MUTED_TEXT, fontsize=HEADING_PT,
    )  # fmt: skip
    axes.set_xticks([])
    axes.set_yticks([])


def _draw_scores(axes: Axes, histograms: CatalogHistograms) -> None:
    if not histograms.by_score:
        _say_nothing(axes, "No scores yet")
        return
    edges = sorted(histograms.by_score)
    axes.bar(
        edges,
        [histograms.by_score[edge] for edge in edges],
        width=SCORE_STEP,
        align="edge",
        color=SCORE_COLOUR,
        edgecolor=BACKGROUND,  # a thin gap between neighbouring bins
        linewidth=1.5,
    )
    axes.set_xlim(0, 10 + SCORE_STEP)  # the whole scale, so charts of two slices compare
    axes.set_xticks(range(11))
    axes.set_ylim(0, max(histograms.by_score.values()) * 1.2)  # headroom for the label
    _count_axis(axes)
    average = histograms.average_score
    if average is not None:
        axes.axvline(average, color=TEXT, linestyle="--", linewidth=2)
        right = average > 7  # the label on the side of the line with room for it
        axes.annotate(
            f"average {average:.1f}",
            xy=(average, 1),
            xycoords=("data", "axes fraction"),
            xytext=(-8 if right else 8, 0),
            textcoords="offset points",
            ha="right" if right else "left",
            va="top",
            color=TEXT,
            fontsize=LABEL_PT,
        )


def _draw_decades(axes: Axes, by_decade: dict[int, int]) -> None:
    if not by_decade:
        _say_nothing(axes, "No films yet")
        return
    # Every decade from the first to the last, empty ones too, so gaps show as gaps.
    decades = list(range(min(by_decade), max(by_decade) + 10, 10))
    axes.bar(
        range(len(decades)),
        [by_decade.get(decade, 0) for decade in decades],
        width=0.8,
        color=DECADE_COLOUR,
    )
    every = ceil(len(decades) / DECADE_LABELS)
    axes.set_xticks(range(0, len(decades), every), [f"{d}s" for d in decades[::every]])
    # At least DECADE_LABELS bar widths wide, so one decade is a bar, not a wall.
    slots = max(len(decades), DECADE_LABELS)
    middle = (len(decades) - 1) / 2
    axes.set_xlim(middle - slots / 2, middle + slots / 2)
    _count_axis(axes)


def _draw_genres(axes: Axes, by_genre: list[tuple[str, int]]) -> None:
    labels = [_shorten(label) for label, _ in reversed(by_genre)]  # the most common on top
    counts = [count for _, count in reversed(by_genre)]
    bars = axes.barh(range(len(counts)), counts, height=0.7, color=GENRE_COLOUR)
    axes.set_yticks(range(len(counts)), labels)
    axes.bar_label(
        bars, [f"{count:,}" for count in counts], padding=8, color=TEXT, fontsize=LABEL_PT
    )
    axes.set_xlim(0, max(counts) * 1.2)  # room for the count after the longest bar
    # Room for GENRE_BARS bars always, so a bar is as thick with one genre as with eight.
    axes.set_ylim(len(counts) - GENRE_BARS - 0.5, len(counts) - 0.5)
    axes.set_xticks([])
    axes.spines["bottom"].set_visible(False)


def _shorten(label: str) -> str:
    return label if len(label) <= GENRE_LABEL_CHARS else label[: GENRE_LABEL_CHARS - 1] + "…"


Render = Callable[[CatalogHistograms], Awaitable[bytes]]
RENDER_NICENESS = 10  # the render process yields the CPU to the bot's own process


async def render_in_thread(histograms: CatalogHistograms) -> bytes:
    """:func:`render_chart` in a worker thread of this process."""
    return await asyncio.to_thread(render_chart, histograms)


class RenderProcess:
    """:func:`render_chart` in a child process, started with the first chart.

    The child is spawned, not forked (forking a process with running threads and an
    event loop is unsafe), so the first chart waits about a second for it to import
    matplotlib; it then holds about 80 MB. Spawning imports the main module again in
    the child, so a script that starts the bot needs the usual ``if __name__ ==
    "__main__":`` guard (``reviewbot`` and ``python -m bot`` have it). A child that dies
    (killed, out of memory) fails the render it was on, and the next render starts a
    new one.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def __call__(self, histograms: CatalogHistograms) -> bytes:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_render_worker,
            )
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, render_chart, histograms)
        except BrokenProcessPool:
            if self._pool is pool:
                self._pool = None
            raise

    def close(self) -> None:
        """Stop the child (waiting for a render in progress); a later render starts anew."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _render_worker() -> None:
    # Ctrl-C in a terminal reaches the whole process group; the bot stops its child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(RENDER_NICENESS)


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    histograms: CatalogHistograms  # what was drawn, for the embed's text


# What a chart is of: the scope (a guild id, None for the global catalog) and the filters.
ChartKey = tuple[int | None, ReviewFilters]
LoadHistograms = Callable[[int | None, ReviewFilters], Awaitable[CatalogHistograms]]
MAX_CHARTS = 64  # filters are member input: keep the most recently asked only (~60 KB each)


class ChartCache:
    """Charts by (scope, filters), drawn once until the catalog changes.

    Requests for a chart being drawn wait for that drawing (single flight), so ten
    members asking ``/stats`` at once cost one query and one render. Renders run off
    the event loop (``render``: in a thread, or a :class:`RenderProcess`), one at a
    time; the next waits on the event loop, not in a thread. Whoever follows the
    catalog's changes calls :meth:`invalidate`.
    """

    def __init__(
        self, load: LoadHistograms, *, size: int = MAX_CHARTS, render: Render = render_in_thread
    ) -> None:
        self._load = load
        self._render = render
        self._size = size
        self._version = 0  # bumped by every change of the catalog
        self._charts: OrderedDict[ChartKey, Chart] = OrderedDict()
        # By the catalog version they started at: a drawing begun before a change must
        # not be joined after it (it may have read the old catalog).
        self._flights: dict[tuple[int, ChartKey], asyncio.Task[Chart]] = {}
        self._render_turn = asyncio.Semaphore(1)
        self.renders = 0  # charts drawn since start

    def holds(self, scope: int | None, filters: ReviewFilters) -> bool:
        """Whether :meth:`get` answers at once (no query, no render) for this chart."""
        return (scope, filters) in self._charts

    def invalidate(self) -> None:
        """The catalog changed: every chart drawn or being drawn is out of date."""
        self._version += 1
        self._charts.clear()

    async def get(self, scope: int | None, filters: ReviewFilters) -> Chart:
        key = (scope, filters)
        chart = self._charts.get(key)
        if chart is not None:
            self._charts.move_to_end(key)
            return chart
        flight_key = (self._version, key)
        flight = self._flights.get(flight_key)
        if flight is None:
            flight = asyncio.create_task(self._draw(key, self._version))
            self._flights[flight_key] = flight
            flight.add_done_callback(lambda _: self._flights.pop(flight_key, None))
        # Shielded: a member who gives up (a cancelled interaction) does not cancel
        # the drawing the others wait for.
        return await asyncio.shield(flight)

    async def _draw(self, key: ChartKey, version: int) -> Chart:
        histograms = await self._load(*key)
        async with self._render_turn:
            png = await self._render(histograms)
        self.renders += 1
        chart = Chart(png, histograms)
        if version == self._version:
            self._charts[key] = chart
            while len(self._charts) > self._size:
                self._charts.popitem(last=False)
        return chart
