import pytest

from tagger.errors import BadInputError
from tagger.text import analyse_layout, decode_bytes, html_to_text, looks_like_html

PAGE = """Menu
Subscribe
Ministers agree new rules for drone exports

Ministers from twelve countries agreed on Tuesday to tighten the rules for exporting military drones to conflict zones.
Advertisement
The agreement, reached after two days of talks in Geneva, requires exporters to publish annual figures on every licence they grant.
Officials said the register would be checked by an independent panel of experts each spring.
Related news
Striker signs five-year contract with city rivals
Floods close motorway after record rainfall
"""


def test_layout_separates_story_from_page_chrome():
    layout = analyse_layout(PAGE)
    zones = {PAGE[ln.start : ln.end]: ln.zone for ln in layout.lines}
    assert zones["Ministers agree new rules for drone exports"] == "headline"
    assert zones["Advertisement"] == "chrome"
    assert zones["Floods close motorway after record rainfall"] == "chrome"
    assert sum(z == "body" for z in zones.values()) == 3
    story = layout.story_text(PAGE)
    assert "Geneva" in story and "Striker" not in story and "Subscribe" not in story
    assert layout.zone_at(PAGE.index("Geneva")) == "body"
    assert layout.zone_at(PAGE.index("Striker")) == "chrome"


def test_text_without_prose_is_all_body():
    layout = analyse_layout("Putin and Macron hold phone call")
    assert [ln.zone for ln in layout.lines] == ["body"]
    assert analyse_layout("   \n  ").lines == ()


def test_html_to_text_keeps_blocks_and_drops_scripts_and_navigation():
    html = (
        "<html><head><style>p{}</style><script>var x='Putin';</script></head><body>"
        "<nav><a href='/'>Home</a> <a>World</a></nav><h1>Title here</h1>"
        "<p>First &amp; second paragraph.</p><p>Third<br>line</p><footer>Contact</footer></body></html>"
    )
    assert looks_like_html(html)
    text = html_to_text(html)
    assert text.splitlines() == ["Title here", "", "First & second paragraph.", "", "Third", "line"]
    assert not looks_like_html("Plain text with a < sign and a > sign.")


def test_decode_bytes_strict_names_the_file_and_replace_substitutes():
    assert decode_bytes("\ufeffKyiv".encode()) == "Kyiv"
    with pytest.raises(BadInputError, match=r"story\.txt is not valid UTF-8 \(byte 3"):
        decode_bytes(b"abc\xff\xfe", name="story.txt")
    assert decode_bytes(b"abc\xffdef", errors="replace") == "abc\ufffddef"
    with pytest.raises(BadInputError):
        decode_bytes(b"x", errors="ignore")


def test_html_entities_are_decoded_exactly_once():
    from tagger.text import html_to_text

    assert html_to_text("<p>a &amp;lt; b &amp; c &lt; d</p>") == "a &lt; b & c < d"


# Reuters-21578 style wire copy (the layout of its training documents: a capitals headline, then
# lines cut at a margin of about 65 characters, paragraphs indented), written for this test
WIRED = (
    "BANKS AGREE NEW DEBT TERMS\n\n"
    "Officials from the International Monetary Fund and the World\n"
    "Bank said on Monday that the new terms for the country's debt\n"
    "would be announced next week after talks with its creditors.\n"
    "    The central bank governor said the agreement, reached after\n"
    "three weeks of talks in Washington, would cut interest costs.\n"
    "    Officials said the talks would resume in April.\n"
)


def test_a_hard_wrapped_text_has_its_paragraph_lines_joined_at_the_same_offsets():
    from tagger.text import clean_text

    out = clean_text(WIRED)
    assert len(out) == len(WIRED)
    assert "the World Bank said" in out
    assert "BANKS AGREE NEW DEBT TERMS\n\nOfficials" in out  # headline and paragraphs stay apart
    assert "creditors.\n    The central" in out
    crlf = WIRED.replace("\n", "\r\n")  # Windows line ends: the same length out
    assert len(clean_text(crlf)) == len(crlf)
    # prose in long lines, and short lines of a list, are left alone
    prose = "A long paragraph that goes on. " * 10 + "\n" + "Another one that goes on. " * 10
    assert clean_text(prose * 3) == prose * 3
    listing = "\n".join(["Apples", "Pears and plums", "Oranges", "Kiwis", "Lemons", "Figs"])
    assert clean_text(listing) == listing
    # a pasted page's short head lines above a long paragraph: no margin, nothing joined (the
    # headline used to run into "Published" and be read as a person "Facebook Published")
    page = (
        "Ukraine war: Russia blocks Facebook\nPublished 4 March 2022\n"
        "Image source, Getty Images\nImage caption, Russians have been protesting\n\n"
        "Russia has blocked access to Facebook, accusing it of discriminating against Russian media."
    )
    assert clean_text(page) == page


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_a_name_cut_by_the_wrapping_is_one_entity_with_exact_offsets(default, line_end):
    text = WIRED.replace("\n", line_end)
    bank = next(e for e in default.tag(text).entities if e.name == "World Bank")
    mention = bank.mentions[0]
    assert mention.text == f"World{line_end}Bank" == text[mention.start : mention.end]
