"""Folding what a citizen types into the ASCII that identifiers are made of.

ID numbers, phones, SMS codes and captcha answers consist of ASCII digits and
(some) ASCII letters. Chinese input methods type their full-width forms
(１２３, ｘ, ＋８６), which NFKC folds to ASCII, and citizens type letters in
either case. That is all that folds here: NFKC and Unicode case mapping do far
more (superscripts, circled and mathematical digits become ASCII digits; ß
upper-cases to SS, dotless ı to I, the Kelvin sign folds to K) and Python's
regex digit class, ``int()`` and ``str.isdigit()`` accept Arabic-Indic, Devanagari
and every other script's digits (so the hall's patterns spell out [0-9]).
Anything that is not plain or full-width ASCII is left as it is, so the
identifier's own check refuses it.
"""

from __future__ import annotations

__all__ = ["ASCII_DIGITS", "ASCII_UPPER", "fold_full_width", "upper_ascii"]

ASCII_DIGITS = frozenset("0123456789")
ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

# U+FF01..U+FF5E are the full-width forms of "!".."~"; U+3000 is the ideographic space.
# For exactly these characters NFKC gives the ASCII character below.
_FULL_WIDTH = {0x3000: " ", **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}}
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def fold_full_width(text: str | None) -> str:
    """Replace full-width ASCII forms (and the ideographic space) by ASCII; leave every other character."""
    return (text or "").translate(_FULL_WIDTH)


def upper_ascii(text: str) -> str:
    """Upper-case a-z only: ``str.upper()`` would turn ß into SS and ı into I."""
    return text.translate(_ASCII_UPPER)
