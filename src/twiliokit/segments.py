"""How many SMS segments a body costs, and in which encoding: a port of Twilio's own
message-segment-calculator (TwilioDevEd/message-segment-calculator, ``SegmentedMessage``).

Hand-written because no maintained Python library does this: ``smsutil`` (unmaintained since
2020) has no smart encoding and splits inside emoji, ``gsm0338`` is a codec without segment
counting. The rules, all from the calculator:

* A segment is 140 octets (1120 bits). A message of more than one segment loses 6 octets per
  segment to the User Data Header: GSM-7 holds 160 septets alone, 153 concatenated; UCS-2 holds
  70 UTF-16 code units alone, 67 concatenated.
* One character outside the GSM-7 basic and extension tables makes the whole body UCS-2.
  Extension characters (``\\f ^ { } \\ [ ~ ] |`` and ``€``) cost 2 septets and are never split.
* Segments break between user-perceived characters (grapheme clusters), so a surrogate pair, a
  flag or a ZWJ emoji sequence is never split; ``\\r\\n`` counts as two characters.
* An empty body is 1 segment, as in the calculator (Twilio still sends one empty segment).
* Smart encoding (``SmartEncoded=true``) first replaces look-alike Unicode (curly quotes, long
  dashes, odd spaces, fullwidth forms, ...) by GSM-7 characters.

Pure, no I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["SMART_ENCODING", "Encoding", "SegmentInfo", "analyze", "smart_encode"]

Encoding = Literal["GSM-7", "UCS-2"]

_SEGMENT_BITS: Final = 140 * 8
_HEADER_BITS: Final = 6 * 8
_GSM_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION: Final = frozenset("\f^{}\\[~]|€")


def _smart_table(groups: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {source: target for target, sources in groups for source in sources}


#: Smart Encoding's replacements (one code point -> GSM-7 text), the calculator's
#: ``SmartEncodingMap``. Deviations, on purpose: odd spaces become one space (the calculator's
#: table has two), and single angle quotes keep their direction (the calculator swaps them).
SMART_ENCODING: Final[Mapping[str, str]] = _smart_table(
    [
        ('"', "\u00ab\u00bb\u201c\u201d\u02ba\u02ee\u201f\u201e\u275d\u275e\u301d\u301e\uff02"),
        (
            "'",
            "\u2018\u2019\u02bb\u02c8\u02bc\u02bd\u02b9\u201b\uff07\u00b4\u02ca\u0060\u02cb"
            "\u275b\u275c\u0313\u0314\ufe10\ufe11",
        ),
        ("/", "\u00f7\u29f8\u0337\u0338\u2044\u2215\uff0f"),
        ("1/4", "\u00bc"),
        ("1/2", "\u00bd"),
        ("3/4", "\u00be"),
        ("\\", "\u29f9\u29f5\u20e5\ufe68\uff3c"),
        ("_", "\u0332\uff3f\u2017"),
        ("|", "\u20d2\u20d3\u2223\uff5c\u23b8\u23b9\u23d0\u239c\u239f"),
        ("-", "\u23bc\u23bd\u2015\ufe63\uff0d\u2010\u2043\u2014\u2013\u2022"),
        ("@", "\ufe6b\uff20"),
        ("$", "\ufe69\uff04"),
        ("!", "\u01c3\ufe15\ufe57\uff01"),
        ("#", "\ufe5f\uff03"),
        ("%", "\ufe6a\uff05"),
        ("&", "\ufe60\uff06"),
        (",", "\u201a\u0326\ufe50\ufe51\uff0c\uff64\u3001"),
        ("(", "\u2768\u276a\ufe59\uff08\u27ee\u2985"),
        (")", "\u2769\u276b\ufe5a\uff09\u27ef\u2986"),
        (
            "*",
            "\u204e\u2217\u229b\u2722\u2723\u2724\u2725\u2731\u2732\u2733\u273a\u273b\u273c"
            "\u273d\u2743\u2749\u274a\u274b\u29c6\ufe61\uff0a",
        ),
        ("+", "\u02d6\ufe62\uff0b"),
        (".", "\u3002\ufe52\uff0e\uff61"),
        (":", "\u02d0\u02f8\u2982\ua789\ufe13\uff1a"),
        (";", "\u204f\ufe14\ufe54\uff1b"),
        ("<", "\ufe64\uff1c\u2039"),
        ("=", "\u0347\ua78a\ufe66\uff1d"),
        (">", "\ufe65\uff1e\u203a"),
        ("?", "\ufe16\ufe56\uff1f"),
        ("^", "\u02c6\u0302\uff3e\u1dcd"),
        ("{", "\u2774\ufe5b\uff5b"),
        ("}", "\u2775\ufe5c\uff5d"),
        ("[", "\uff3b"),
        ("]", "\uff3d"),
        ("~", "\u02dc\u02f7\u0303\u0330\u0334\u223c\uff5e"),
        (
            " ",
            "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
            "\u205f\u3000\u0080\u008d\u0090\u009b\u009f\u2028\u2029",
        ),
        ("", "\u0000\u0003\u0004\u0010\u0011\u0012\u0013\u0014\u0017\u0019\u200b\u2060\ufeff"),
        ("       ", "\t"),  # the calculator's choice: a tab becomes 7 spaces
        ("!!", "\u203c"),
        ("...", "\u2026"),
        *((chr(ord("0") + i), chr(0xFF10 + i)) for i in range(10)),  # fullwidth digits
        *((chr(ord("A") + i), chr(0xFF21 + i)) for i in range(26)),  # fullwidth capitals
        *zip(
            "ABCDEFGHIJKLMNOPRSTUVWYZ",
            "\u1d00\u0299\u1d04\u1d05\u1d07\ua730\u0262\u029c\u026a\u1d0a\u1d0b\u029f\u1d0d"
            "\u0274\u1d0f\u1d18\u0280\ua731\u1d1b\u1d1c\u1d20\u1d21\u028f\u1d22",  # small caps
            strict=True,
        ),
    ]
)


@dataclass(frozen=True)
class SegmentInfo:
    """What a body costs as SMS."""

    encoding: Encoding
    segments: int
    #: As the calculator counts: GSM-7 septets (extension characters count 2), or UCS-2
    #: user-perceived characters (grapheme clusters).
    characters: int
    #: Distinct characters that forced UCS-2, in order of first appearance (empty for GSM-7).
    unicode_characters: tuple[str, ...]
    #: The body that was measured (after smart encoding, if applied).
    body: str


def smart_encode(body: str) -> str:
    """Replace look-alike Unicode by GSM-7 text, as Twilio's Smart Encoding does."""
    return "".join(SMART_ENCODING.get(char, char) for char in body)


def analyze(body: str, *, smart_encoding: bool = False) -> SegmentInfo:
    """Encoding, segment count and the characters that forced UCS-2 for ``body``."""
    if smart_encoding:
        body = smart_encode(body)
    clusters = _graphemes(body)
    non_gsm = [cluster for cluster in clusters if _septets(cluster) == 0]
    if non_gsm:
        # In UCS-2 every UTF-16 code unit is 16 bits, GSM-7 characters included.
        sizes = [16 * sum(2 if ord(c) > 0xFFFF else 1 for c in cluster) for cluster in clusters]
        return SegmentInfo(
            "UCS-2", _count_segments(sizes), len(clusters), tuple(dict.fromkeys(non_gsm)), body
        )
    septets = [_septets(cluster) for cluster in clusters]
    return SegmentInfo("GSM-7", _count_segments([7 * s for s in septets]), sum(septets), (), body)


def _septets(cluster: str) -> int:
    """Septets for one GSM-7 character; 0 when it has none."""
    if cluster in _GSM_BASIC:
        return 1
    return 2 if cluster in _GSM_EXTENSION else 0


def _count_segments(sizes: list[int]) -> int:
    """Segments for characters of these sizes in bits, filled in order, none split.

    The calculator's count, computed directly: one segment while everything fits in 140
    octets, else 134-octet segments filled in order. A grapheme longer than a whole segment
    (67+ UTF-16 units of stacked accents) overflows its segment; there the calculator's count
    can differ by one.
    """
    if sum(sizes) <= _SEGMENT_BITS:
        return 1
    capacity = _SEGMENT_BITS - _HEADER_BITS
    segments, free = 1, capacity
    for size in sizes:
        if size > free:
            segments, free = segments + 1, capacity
        free -= size
    return segments


# Grapheme clusters, approximated. The calculator uses the npm grapheme-splitter (UAX #29);
# Python's stdlib has no grapheme segmentation and the full rules need Unicode property tables
# unicodedata lacks. These rules cover what SMS bodies hold (combining accents, skin tones,
# variation selectors, ZWJ emoji sequences, flags, tag sequences); conjoining Hangul jamo and
# prepended marks are split, which can only move a segment boundary by one character.
def _graphemes(text: str) -> list[str]:
    clusters: list[str] = []
    for char in text:
        if clusters and _joins(clusters[-1], char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _joins(previous: str, char: str) -> bool:
    if _is_control(previous[-1]) or _is_control(char):
        return False
    point = ord(char)
    if unicodedata.category(char) in {"Mn", "Me", "Mc"} or char in "\u200c\u200d":
        return True
    if 0x1F3FB <= point <= 0x1F3FF or 0xE0020 <= point <= 0xE007F:  # skin tones, tags
        return True
    if previous[-1] == "\u200d":
        return unicodedata.category(char) == "So" or 0x1F000 <= point <= 0x1FAFF
    return _is_regional(char) and len(previous) == 1 and _is_regional(previous)


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _is_control(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cf":
        return char not in "\u200c\u200d" and not 0xE0020 <= ord(char) <= 0xE007F
    return category in {"Cc", "Zl", "Zp"}
