"""The bot's Markdown as WhatsApp formatting, and long texts cut into message-sized parts.

WhatsApp formats *bold*, _italic_, ~strike~, `inline code` and ```monospace```; it has no
headings or links, and renders "- " lines as bullets only in some of its apps. Pure
functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

TEXT_MAX = 4096  # characters in the body of a WhatsApp text message

ELLIPSIS = "…"

# Code blocks keep their text exactly; the split keeps them as the odd-numbered pieces.
_CODE_BLOCK = re.compile(r"(```.*?```)", re.DOTALL)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")
_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$")
_BULLET = re.compile(r"^(?P<indent>[ \t]*)[-*+][ \t]+(?=\S)")
_BOLD_MARKS = re.compile(r"\*\*|__")
# One pass over a line, leftmost match first. Code, URLs and e-mail addresses are matched
# only to be left alone: their asterisks and underscores are not formatting.
_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<target>[^)\s]+)\)"
    r"|(?P<url>https?://[^\s<>]*[^\s<>*])"
    r"|(?<![\w.+-])(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|\*\*(?P<bold>\S(?:.*?\S)?)\*\*"
    r"|(?<!\w)__(?P<underscored>\S(?:.*?\S)?)__(?!\w)"
    r"|~~(?P<strike>\S(?:.*?\S)?)~~"
    # Not "5 * 3" (space after the mark) nor "2*3*4" (a word character before it).
    r"|(?<![\w*])\*(?P<italic>[^\s*](?:[^*\n]*?[^\s*])?)\*(?![\w*])"
)
_BARE_SCHEMES = ("mailto:", "tel:")

# Where a text may be cut, strongest first: between paragraphs, between lines, after a
# sentence, between words. Each pattern matches the whitespace that the cut removes.
_PARAGRAPH_BREAK = re.compile(r"[ \t]*\n[ \t]*\n\s*")
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
_OPENING = "([\"'\u201c\u2018"  # also curly quotes
_CLOSING = ")\"'\u201d\u2019"
_SENTENCE_END = re.compile(rf"(?<!\S)(?P<token>\S*[.!?][{re.escape(_CLOSING)}]*)(?P<space>\s+)")
_WORD_BREAK = re.compile(r"\s+")
_PARTIAL_WORD = re.compile(r"\s+\S*\Z")
# Words whose full stop does not end a sentence ("bijv. een webshop", "€ 2,5 mln. omzet").
ABBREVIATIONS = frozenset(
    {
        "bijv.",
        "bv.",
        "o.a.",
        "ca.",
        "nr.",
        "mln.",
        "mrd.",
        "incl.",
        "excl.",
        "evt.",
        "enz.",
        "etc.",
        "i.v.m.",
        "m.b.t.",
        "t.o.v.",
        "d.w.z.",
        "z.s.m.",
        "resp.",
        "max.",
        "min.",
        "dhr.",
        "mevr.",
        "art.",
        "blz.",
        "vs.",
    }
)


def to_whatsapp_markdown(text: str) -> str:
    """The bot's Markdown in WhatsApp's own formatting.

    Links become "label (url)", headings bold lines, "- " and "* " items "• " bullets;
    numbered lists stay; runs of blank lines become one.
    """
    pieces = _CODE_BLOCK.split(text.replace("\r\n", "\n"))
    converted = (
        piece if n % 2 else _BLANK_LINES.sub("\n\n", _convert_lines(piece))
        for n, piece in enumerate(pieces)
    )
    return "".join(converted).strip()


def _convert_lines(text: str) -> str:
    return "\n".join(_convert_line(line) for line in text.split("\n"))


def _convert_line(line: str) -> str:
    heading = _HEADING.match(line)
    if heading:
        return f"*{_inline(_BOLD_MARKS.sub('', heading['text']))}*"
    bullet = _BULLET.match(line)
    if bullet:
        return f"{bullet['indent']}• {_inline(line[bullet.end() :])}"
    return _inline(line)


def _inline(text: str) -> str:
    return _INLINE.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    if match["target"] is not None:
        return _link(_inline(match["label"]), match["target"])
    for group, mark in (("bold", "*"), ("underscored", "*"), ("strike", "~"), ("italic", "_")):
        if match[group] is not None:
            return f"{mark}{_inline(match[group])}{mark}"
    return match[0]  # code, a URL or an e-mail address


def _link(label: str, target: str) -> str:
    shown = target
    for scheme in _BARE_SCHEMES:
        if target.startswith(scheme):
            shown = target[len(scheme) :]
    return shown if label in (target, shown) else f"{label} ({shown})"


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut after a whole word, ending in "…"."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[: max(limit - len(ELLIPSIS), 0)]
    if not text[len(head)].isspace():
        head = _PARTIAL_WORD.sub("", head)  # keeps a first word that is longer than limit
    return head.rstrip(" \t\n,;:-\u2013") + ELLIPSIS


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut where it reads naturally.

    A cut falls between paragraphs if one fits, else between lines, after a sentence, or
    between words; only a single word longer than ``limit`` is cut inside. The cuts drop
    whitespace only, and no part is empty.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    parts = []
    rest = text.strip()
    while len(rest) > limit:
        start, end = _cut(rest, limit)
        parts.append(rest[:start].rstrip())
        rest = rest[end:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def split_off_last_sentence(text: str) -> tuple[str, str]:
    """``text`` as everything before its last sentence (or line), and that sentence.

    Without a sentence or line break the first part is empty.
    """
    text = text.strip()
    breaks = [*_pattern_breaks(_LINE_BREAK, text), *_sentence_breaks(text)]
    if not breaks:
        return "", text
    start, end = max(breaks)
    return text[:start].rstrip(), text[end:]


def _cut(text: str, limit: int) -> tuple[int, int]:
    """Where to cut ``text`` (longer than ``limit``): the first part ends at the first
    number, the rest begins at the second."""
    window = text[: limit + 1]
    for level in (
        _pattern_breaks(_PARAGRAPH_BREAK, window),
        _pattern_breaks(_LINE_BREAK, window),
        _sentence_breaks(window),
        _pattern_breaks(_WORD_BREAK, window),
    ):
        last = None
        for start, end in level:
            if 0 < start <= limit:
                last = (start, end)
        if last is not None:
            return last
    return limit, limit


def _pattern_breaks(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        yield match.span()


def _sentence_breaks(text: str) -> Iterator[tuple[int, int]]:
    for match in _SENTENCE_END.finditer(text):
        if _ends_sentence(text, match):
            yield match.span("space")


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    word = match["token"].lstrip(_OPENING).rstrip(_CLOSING).lower()
    if not word.endswith("."):
        return True  # "!" or "?"
    if word in ABBREVIATIONS:
        return False
    # "1. " at the start of a line numbers a list item.
    line_start = text.rfind("\n", 0, match.start()) + 1
    at_line_start = not text[line_start : match.start()].strip()
    return not (at_line_start and word[:-1].isdigit())
