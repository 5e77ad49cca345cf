"""Text before tagging: bytes to str, HTML to text, and which lines of a pasted page are the story.

A page copied from a news site carries navigation, "Advertisement" lines and lists of other
headlines. The layout here marks each line as ``headline``, ``body`` or ``chrome`` without
changing the text, so offsets into the input stay exact while salience and topics can ignore
the chrome.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import ClassVar

from tagger.errors import BadInputError

_BOILERPLATE = re.compile(
    r"^\W*(advertisement|advert|sponsored|all news|recent news|latest news|read more|read also|"
    r"related( news| stories| articles)?|most read|popular|share( this)?|subscribe|sign in|log in|"
    r"menu|all sections|support us|follow us|cookies?|skip to content|newsletter|comments?|"
    r"(stock )?photo|image|video|source|tags?|topics?|more on this|see also|top stories)\b",
    re.IGNORECASE,
)
_CLOCK_OR_DATE = re.compile(
    r"^\W*\d{1,2}[:.]\d{2}\W*$|\b\d{1,2}:\d{2}\b|\b(19|20)\d{2}\b.*\b\d{1,2}:\d{2}\b"
)
_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")
_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_WORDS = 8
_HEADLINE_WORDS = 4
_MAX_GAP_LINES = 4


@dataclass(frozen=True)
class Line:
    """A line of the input with its character offsets and its role on the page."""

    start: int
    end: int
    zone: str  # "headline", "body" or "chrome"
    words: int


@dataclass(frozen=True)
class Layout:
    """Where the story is in a text: lines by zone and the offset where the body starts."""

    lines: tuple[Line, ...]
    body_start: int
    lead_end: int

    def zone_at(self, offset: int) -> str:
        """The zone of the line that holds character ``offset``."""
        lo, hi = 0, len(self.lines) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            line = self.lines[mid]
            if offset < line.start:
                hi = mid - 1
            elif offset >= line.end:
                lo = mid + 1
            else:
                return line.zone
        return "chrome"

    def story_text(self, text: str) -> str:
        """Headline and body lines joined: what the topic model reads."""
        return "\n".join(text[ln.start : ln.end] for ln in self.lines if ln.zone != "chrome")

    def story(self, text: str) -> Story:
        """:meth:`story_text` with where each of its lines is in ``text`` (the whole text when
        no line is headline or body)."""
        starts: list[tuple[int, int]] = []
        at = 0
        for ln in self.lines:
            if ln.zone != "chrome":
                starts.append((at, ln.start))
                at += ln.end - ln.start + 1
        story = self.story_text(text)
        return Story(story, tuple(starts)) if story else Story(text, ((0, 0),))


@dataclass(frozen=True)
class Story:
    """What the topic model reads (the headline and body, without page chrome) and, per line,
    its offset in the story and in the original text: a topic's passage is shown in the text
    the user sent."""

    text: str
    line_starts: tuple[tuple[int, int], ...] = ((0, 0),)

    def to_original(self, offset: int) -> int:
        """The offset in the original text of the story's character ``offset``."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:  # the last line starting at or before ``offset``
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid][0] <= offset:
                lo = mid
            else:
                hi = mid - 1
        story_start, original_start = self.line_starts[lo]
        return original_start + offset - story_start


def _kind(line: str, words: int) -> str:
    if _BOILERPLATE.match(line) and words <= 6:
        return "boilerplate"
    if words >= _SENTENCE_WORDS and _TERMINAL.search(line):
        return "sentence"
    if words >= _SENTENCE_WORDS * 3:  # a long paragraph without final punctuation is still prose
        return "sentence"
    if _CLOCK_OR_DATE.search(line) and words <= 8:
        return "boilerplate"
    if words >= _HEADLINE_WORDS:
        return "headline"
    return "short"


_CONTINUES = re.compile(r"([,;\-–]|\b(the|a|an|and|or|of|to|in|on|for|with|by|at|from))\s*$", re.I)


def _logical_lines(text: str) -> list[tuple[int, int]]:
    """Physical lines, with hard-wrapped ones (a line cut mid-sentence) joined back together."""
    lines: list[tuple[int, int]] = []
    previous = ""
    for match in re.finditer(r"[^\n\r]+", text):
        raw = match.group()
        if not raw.strip():
            previous = ""
            continue
        stripped = raw.strip()
        wrapped = (
            lines
            and previous
            and text[lines[-1][1] : match.start()].count("\n") <= 1
            and not _TERMINAL.search(previous)
            and (stripped[:1].islower() or _CONTINUES.search(previous) is not None)
        )
        if wrapped:
            lines[-1] = (lines[-1][0], match.end())
        else:
            lines.append((match.start(), match.end()))
        previous = stripped
    return lines


def analyse_layout(text: str) -> Layout:
    """Mark each line as headline, body or chrome.

    The body is the run of prose lines (sentences) with the most words, allowing a few short
    lines inside it ("Background:", a caption); the headline is the headline-like lines just
    above it. Text with no prose at all (a headline, a list of names) is all body.
    """
    spans: list[tuple[int, int, str, int]] = []
    for start, end in _logical_lines(text):
        raw = text[start:end]
        words = len(_WORD.findall(raw))
        spans.append((start, end, _kind(" ".join(raw.split()), words), words))
    if not spans:
        return Layout(lines=(), body_start=0, lead_end=0)

    best: tuple[int, int, int] | None = None  # (words, first index, last index)
    i = 0
    while i < len(spans):
        if spans[i][2] != "sentence":
            i += 1
            continue
        first = last = i
        total = spans[i][3]
        gap = 0
        j = i + 1
        while j < len(spans) and gap <= _MAX_GAP_LINES:
            if spans[j][2] == "sentence":
                last, gap = j, 0
                total += spans[j][3]
            else:
                gap += 1
            j += 1
        if best is None or total > best[0]:
            best = (total, first, last)
        i = last + 1

    if best is None:
        lines = tuple(Line(s, e, "body", w) for s, e, _, w in spans)
        return Layout(lines=lines, body_start=spans[0][0], lead_end=spans[-1][1])

    _, first, last = best
    zones = ["chrome"] * len(spans)
    for k in range(first, last + 1):
        if spans[k][2] != "boilerplate":
            zones[k] = "body"
    # the headline: headline-like lines among the few lines just above the body
    for k in range(first - 1, max(-1, first - 7), -1):
        if spans[k][2] == "headline":
            zones[k] = "headline"
    lines = tuple(Line(s, e, z, w) for (s, e, _, w), z in zip(spans, zones, strict=True))
    body_lines = [ln for ln in lines if ln.zone == "body"]
    lead_words, lead_end = 0, body_lines[0].end
    for ln in body_lines:
        lead_words += ln.words
        lead_end = ln.end
        if lead_words >= 60:
            break
    return Layout(lines=lines, body_start=body_lines[0].start, lead_end=lead_end)


class _TextExtractor(HTMLParser):
    """Collects visible text, one line per block element, skipping scripts and page furniture."""

    _SKIP: ClassVar[set[str]] = {
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "aside",
        "footer",
        "form",
        "svg",
    }
    _BLOCK: ClassVar[set[str]] = {
        "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
        "article", "header", "blockquote", "figcaption", "title", "ul", "ol", "table",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    """True for a document that starts like HTML or is mostly markup."""
    head = text.lstrip()[:500].lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<article")):
        return True
    return len(re.findall(r"</?(p|div|span|a|br|li|h[1-6])\b", text[:20000], re.IGNORECASE)) >= 5


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, one block per line; offsets then refer to this text."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)  # the parser already decoded character references, once
    lines = (re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def decode_bytes(data: bytes, name: str = "<bytes>", errors: str = "strict") -> str:
    """UTF-8 (with or without BOM) to str; ``errors="replace"`` swaps bad bytes for U+FFFD."""
    if errors not in ("strict", "replace"):
        raise BadInputError(f"errors must be 'strict' or 'replace', not {errors!r}")
    try:
        return data.decode("utf-8-sig", errors=errors)
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"{name} is not valid UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "convert it to UTF-8 or pass --errors replace"
        ) from None


_INVISIBLE = {
    c: " " for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
}  # control characters except tab, newline and carriage return


# a hard-wrapped text (wire copy, mail, plain-text archives) has most lines filled to one margin
_WRAP_MIN_LINES = 5
_WRAP_WIDTH = (40, 100)  # the margin of such texts, in characters
_WRAP_FILLED = 0.75  # a line at least this share of the margin was cut by the wrapping
_WRAP_SHARE = 0.6  # ... and at least this share of the lines are so
_WRAP_OVERFLOW = 1.5  # a line this much longer than the margin says there is none


def unwrap_lines(text: str) -> str:
    """A hard-wrapped text with the line breaks inside its paragraphs as spaces.

    Wire copy cuts lines at a margin, mid-name ("the World\nBank"), which the base model and the
    phrase matcher read as two names. A break is joined when the text is wrapped (most lines
    filled to a margin of 40-100 characters and none far longer), the line before it is filled
    and the line after it is neither blank nor indented (an indent or a blank line starts a
    paragraph); a shorter line that ends mid-sentence is joined too. Same length.
    """
    if text.count("\n") < _WRAP_MIN_LINES:
        return text
    lines = text.split("\n")
    lengths = [len(line.rstrip()) for line in lines if line.strip()]
    if len(lengths) < _WRAP_MIN_LINES:
        return text
    width = sorted(lengths)[int(0.9 * (len(lengths) - 1))]
    if not _WRAP_WIDTH[0] <= width <= _WRAP_WIDTH[1]:
        return text
    if max(lengths) > _WRAP_OVERFLOW * width:
        return text  # no wrapped text runs far past its margin: short lines of a pasted page
    filled = [n >= _WRAP_FILLED * width for n in lengths]
    if sum(filled) < _WRAP_SHARE * len(lengths):
        return text
    out = []
    for line, after in itertools.pairwise(lines):
        out.append(line)
        kept = line.rstrip()
        # filled to the margin, or an unfinished sentence (the first line after a dateline)
        unfinished = len(kept.split()) >= 4 and not _TERMINAL.search(kept) and not kept.isupper()
        joined = (
            after[:1].strip() != ""
            and len(kept) <= width + 10
            and (len(kept) >= _WRAP_FILLED * width or unfinished)
        )
        out.append(" " if joined else "\n")
    out.append(lines[-1])
    return "".join(out)


def clean_text(text: str) -> str:
    """The text with control and format characters (bidi marks, zero-width joiners) as spaces,
    and a hard-wrapped text's line breaks inside paragraphs as spaces (:func:`unwrap_lines`).

    Same length, so every offset still points into the original text; such characters can
    then neither end up in an entity's name nor hide a name ("Putin\u200d"). A lone surrogate
    (text that was never valid Unicode) is a ``BadInputError`` naming its position.
    """
    out = unwrap_lines(text.translate(_INVISIBLE))
    if out.isascii():
        return out
    chars = list(out)
    for i, ch in enumerate(chars):
        if ord(ch) < 0x80:
            continue
        category = unicodedata.category(ch)
        if category == "Cs":
            raise BadInputError(f"text is not valid Unicode: lone surrogate at character {i}")
        if category == "Cf":
            chars[i] = " "
    return "".join(chars)
