"""SMS segment counting: Twilio's calculator's own answers, boundaries, and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twiliokit.segments import SMART_ENCODING, analyze, smart_encode

DIGITS = "1234567890" * 31
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "\f^{}\\[~]|€"
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
ITALY_FLAG = "\U0001f1ee\U0001f1f9"
TRIPLE_ACCENT = "e\u0301\u0301\u0301"
LEFT, RIGHT, APOSTROPHE = "\u201c", "\u201d", "\u2019"  # curly quotes


@pytest.mark.parametrize(
    ("body", "encoding", "segments", "characters"),
    [
        (DIGITS[:160], "GSM-7", 1, 160),
        (DIGITS[:161], "GSM-7", 2, 161),
        (DIGITS[:307], "GSM-7", 3, 307),
        ("😜" + DIGITS[1:69], "UCS-2", 1, 69),
        ("😜" + DIGITS[1:70], "UCS-2", 2, 70),
        ("😜" + DIGITS[1:134], "UCS-2", 3, 134),
        (ITALY_FLAG + DIGITS[1:67], "UCS-2", 1, 67),
        (ITALY_FLAG + DIGITS[1:68], "UCS-2", 2, 68),
        (RAINBOW_FLAG + DIGITS[1:65], "UCS-2", 1, 65),
        (RAINBOW_FLAG + DIGITS[1:66], "UCS-2", 2, 66),
        ("\rabcde\r\n123", "GSM-7", 1, 11),
        (TRIPLE_ACCENT, "UCS-2", 1, 1),
        ("", "GSM-7", 1, 0),
    ],
)
def test_calculator_known_answers(body: str, encoding: str, segments: int, characters: int) -> None:
    """Encoding, segments and characters equal Twilio's calculator's test expectations."""
    info = analyze(body)
    assert (info.encoding, info.segments, info.characters) == (encoding, segments, characters)


@pytest.mark.parametrize("char", list(GSM_EXTENSION))
def test_extension_characters_cost_two_septets(char: str) -> None:
    """An extension character plus 158 digits fits one segment; plus 159 needs two."""
    assert analyze(char + DIGITS[:158]).segments == 1
    assert analyze(char + DIGITS[:159]).segments == 2
    assert analyze(char + DIGITS[:158]).characters == 160


def test_extension_character_never_split() -> None:
    """An extension character that would straddle a 153-septet boundary moves whole."""
    assert analyze("a" * 153 + "€" + "a" * 151).segments == 2
    assert analyze("a" * 152 + "€" + "a" * 152).segments == 3


def test_surrogate_pair_never_split() -> None:
    """An emoji (two UTF-16 units) that would straddle a 67-unit boundary moves whole."""
    assert analyze("é" * 67 + "😀" + "é" * 65).segments == 2
    assert analyze("é" * 66 + "😀" + "é" * 66).segments == 3


@pytest.mark.parametrize("char", ["Á", "Ú", "ú", "ç", "í", "Í", "ó", "Ó"])
def test_ucs2_seventy_versus_seventy_one(char: str) -> None:
    """70 non-GSM characters are one segment, 71 are two."""
    assert analyze(char * 70).segments == 1
    assert analyze(char * 71).segments == 2


def test_gsm_characters_in_ucs2_cost_one_unit() -> None:
    """In a UCS-2 body, GSM extension characters cost one unit, not two (calculator issue #18)."""
    assert analyze("😀" + "]" * 68).segments == 1
    assert analyze("😀" + "]" * 69).segments == 2


def test_grapheme_clusters_never_split() -> None:
    """A letter with combining accents is one character and moves to the next segment whole."""
    assert analyze(TRIPLE_ACCENT + "a" * 66).segments == 1
    assert analyze(TRIPLE_ACCENT + "a" * 67).segments == 2


def test_unicode_characters_distinct_in_order() -> None:
    """The characters that forced UCS-2 are listed once each, in order of first appearance."""
    info = analyze(f"{LEFT}Hi{RIGHT} it{APOSTROPHE}s {LEFT}me{RIGHT} 😀 and 😀 again")
    assert info.encoding == "UCS-2"
    assert info.unicode_characters == (LEFT, RIGHT, APOSTROPHE, "😀")


def test_smart_encoding_curly_quotes() -> None:
    """Smart encoding turns curly quotes and an ellipsis into GSM-7 and reports the new body."""
    body = f"{LEFT}Hi{RIGHT} it{APOSTROPHE}s me\u2026"
    assert analyze(body).encoding == "UCS-2"
    info = analyze(body, smart_encoding=True)
    assert info.encoding == "GSM-7"
    assert info.unicode_characters == ()
    assert info.body == smart_encode(body) == '"Hi" it\'s me...'
    assert info.characters == 15


def test_smart_encoding_only_produces_gsm() -> None:
    """Every Smart Encoding replacement is GSM-7 text."""
    for source, target in SMART_ENCODING.items():
        assert analyze(target).encoding == "GSM-7", repr(source)


gsm_text = st.text(st.sampled_from(GSM_BASIC + GSM_EXTENSION), max_size=700)


@given(gsm_text)
def test_gsm_bodies_never_report_unicode(body: str) -> None:
    """A body of GSM-7 characters is GSM-7 and blames no character."""
    info = analyze(body)
    assert info.encoding == "GSM-7"
    assert info.unicode_characters == ()


@given(st.text(st.sampled_from(GSM_BASIC.replace("\r", "")), max_size=700))
def test_gsm_basic_segment_formula(body: str) -> None:
    """Basic GSM-7 bodies take 1 segment up to 160 characters, then ceil(n / 153)."""
    expected = 1 if len(body) <= 160 else math.ceil(len(body) / 153)
    assert analyze(body).segments == expected


@given(st.text(max_size=300), st.characters(), st.booleans())
def test_appending_never_reduces_segments(body: str, char: str, smart: bool) -> None:
    """Appending a character never lowers the segment count."""
    before = analyze(body, smart_encoding=smart)
    after = analyze(body + char, smart_encoding=smart)
    assert after.segments >= before.segments >= 1


@given(st.text(max_size=200))
def test_smart_encode_is_idempotent(body: str) -> None:
    """Smart-encoding twice changes nothing more."""
    once = smart_encode(body)
    assert smart_encode(once) == once
