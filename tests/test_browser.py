"""The editors' page in a real browser: Playwright driving Debian's headless Chromium against the
real server (uvicorn on a free loopback port). Install the browser with
``apt-get install -y chromium``; Playwright's own download cannot work offline."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED

CHROMIUM = Path(os.environ.get("TAGGER_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
        "to run the browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
uvicorn = pytest.importorskip("uvicorn", reason="pip install 'tagger[serve]'")

from tagger.feedback import FeedbackStore, text_sha256  # noqa: E402
from tagger.service import create_app  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STORIES = {
    "example": ROOT / "examples" / "article.txt",
    "seed": SEED,  # ../shared/seed: only on the project's machines
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(default, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The real app on uvicorn in a thread, on 127.0.0.1 only."""
    db = tmp_path_factory.mktemp("browser") / "feedback.sqlite3"
    port = free_port()
    app = create_app(feedback_db=db, api_key="", tagger=default)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("story", ["example", "seed"])
def test_tag_a_story_and_leave_feedback(server, browser, story):
    path = STORIES[story]
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is only on the project's machines)")
    text = path.read_text(encoding="utf-8")
    url, db = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        expect = sync_api.expect
        page.goto(url)
        expect(page.locator("#addtopic option[value=censorship]")).to_have_count(1)
        page.locator("#text").fill(text)  # as a paste: one input event
        started = time.monotonic()
        censorship = page.locator(".chip.topic[data-slug=censorship]")
        expect(censorship).to_be_visible(timeout=10_000)
        refresh_s = time.monotonic() - started
        print(f"{story}: {len(text.split())} words, suggestions shown after {refresh_s:.2f}s")
        assert refresh_s < 2.0, f"suggestions took {refresh_s:.2f}s"  # 400 ms debounce + tagging
        expect(page.locator("#backdrop mark[data-label=PERSON]").first).to_be_visible()
        expect(page.locator("#backdrop mark[data-label=APP]").first).to_be_visible()
        marks = page.locator("#backdrop mark[data-label=APP]").all_inner_texts()
        assert {"WhatsApp", "MAX"} & set(marks)
        # the backdrop holds exactly the story, so the marks sit under the words
        assert page.locator("#backdrop").inner_text().rstrip("\u200b") == page.input_value("#text")
        hover = censorship.get_attribute("title") or ""
        assert "evidence:" in hover
        # the passage behind the score, quoted from the story the editor pasted
        quoted = hover.split('passage: "', 1)[1].rstrip('"').removesuffix(" …")
        assert len(quoted.split()) >= 10 and quoted in " ".join(text.split())
        # hovering the chip shades that passage in the story; leaving it clears the shade
        censorship.hover()
        shaded = "".join(
            page.locator("#backdrop .passage, #backdrop mark.in-passage").all_inner_texts()
        )
        assert " ".join(shaded.split()).startswith(" ".join(quoted.split()[:10]))
        assert page.locator("#backdrop").inner_text().rstrip("\u200b") == page.input_value("#text")
        page.locator("#text").hover()
        expect(page.locator("#backdrop .passage")).to_have_count(0)

        page.get_by_role("button", name="accept censorship").click()
        expect(censorship).to_have_attribute("data-verdict", "accept")
        person = page.locator(".chip.entity[data-label=PERSON]").first
        person_name = person.locator(".name").inner_text()
        person.get_by_role("button", name=f"reject {person_name}").click()
        expect(person).to_have_attribute("data-verdict", "reject")
        page.select_option("#addtopic", "war")
        page.get_by_role("button", name="Add", exact=True).click()
        war = page.locator(".chip.topic[data-slug=war]")  # added, or accepted if suggested
        expect(war).to_have_attribute("data-verdict", re.compile("^(add|accept)$"))
        expect(page.locator("#status")).to_contain_text("Saved")
        exported = page.locator("#json").text_content() or ""
        assert '"censorship"' in exported and person_name not in exported.split('"verdicts"')[0]
        assert errors == []
        if story == "example":
            page.screenshot(
                path=os.environ.get("TAGGER_SCREENSHOT", "/tmp/page.png"), full_page=False
            )
    finally:
        page.close()

    rows = [r for r in FeedbackStore(db).rows() if r["text_sha256"] == text_sha256(text)]
    got = {(r["kind"], r["slug"] or r["name"], r["verdict"]) for r in rows}
    assert ("topic", "censorship", "accept") in got
    assert ("entity", person_name, "reject") in got
    assert any(slug == "war" for _, slug, _ in got)
    assert all(r["text"] is None for r in rows)  # a hash, not the story


def test_typing_refreshes_after_a_pause(server, browser):
    url, _ = server
    page = browser.new_page()
    try:
        page.goto(url)
        page.locator("#text").press_sequentially("Telegram was blocked in Iran. ", delay=20)
        expect = sync_api.expect
        expect(page.locator("#backdrop mark[data-label=APP]")).to_have_text("Telegram")
        page.locator("#text").press_sequentially("Emmanuel Macron objected.", delay=20)
        expect(page.locator("#backdrop mark[data-label=PERSON]")).to_have_text("Emmanuel Macron")
        expect(page.locator("#status")).to_contain_text("tagged in")
    finally:
        page.close()


def test_a_country_the_story_implies_shows_why_it_has_no_mentions(server, browser):
    url, _ = server
    page = browser.new_page()
    try:
        page.goto(url)
        page.locator("#text").fill(
            "Tony Blair told the Commons on Tuesday that Labour would cut taxes. Gordon Brown, "
            "the Chancellor, agreed. Michael Howard of the Conservatives said the plan was a sham."
        )
        uk = page.locator(".chip.entity[data-label=COUNTRY]", has_text="United Kingdom")
        sync_api.expect(uk).to_be_visible(timeout=10_000)
        assert "not named in the text" in (uk.get_attribute("title") or "")
        assert page.locator("#backdrop mark[data-label=COUNTRY]").count() == 0
    finally:
        page.close()
