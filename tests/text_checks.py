"""The "invisible characters" rule every test of cleaned text checks against.

It spells out, independently of ``bot.validation._INVISIBLE``, what ``clean_text``
promises to strip, so a test cannot share the code's mistake: zero-width and
other invisible format characters, bidi controls, and C0 controls but tab and
newline.
"""

from __future__ import annotations

ZERO_WIDTH_AND_FORMAT = frozenset("\u00ad\u061c\u200b\u200c\u200d\u200e\u200f\u2060\ufeff")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
C0_CONTROLS = frozenset(chr(code) for code in range(0x20)) - {"\t", "\n"}
INVISIBLE = ZERO_WIDTH_AND_FORMAT | BIDI_CONTROLS | C0_CONTROLS


def has_invisible(text: str) -> bool:
    return not INVISIBLE.isdisjoint(text)
