"""The web chat end to end: real servers in subprocesses, the API and a real Chromium.

Two servers start once for the module, in parallel: one over the seed article and one over
a small article whose text holds HTML/script markup. Each uses an index in a temporary
folder, so the repository's ``index/`` is never touched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shanxi_qa.chat import ChatService
from shanxi_qa.pipeline import MAX_QUESTION_CHARS, QuestionError
from shanxi_qa.records import Answer, Quote
from shanxi_qa.render import answer_markdown, escape_markdown, source_panel_html

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = REPO_ROOT / "seeds"
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_SECONDS = 150  # the first index build loads sentence-transformers (~30 s alone)
REPLY_MS = 30_000

IMG_PAYLOAD = '<img src=x onerror="window.__xss=1">'
# The cleaner rehyphenates the unknown word "onerror" to "on-error"; a mixed-case handler
# name survives cleaning, so the indexed text still holds a live payload.
IMG_PAYLOAD_KEPT = '<img src=x onError="window.__xss=1">'
SCRIPT_PAYLOAD = "<script>window.__xss=1</script>"
TYPED_PAYLOAD = "<img src=x onerror=window.__xss=1>"

XSS_ARTICLE = f"""\
City library extends its opening hours

Longer evenings for readers, more story time for children

By ANNA LEE

The Riverside Public Library will open from 8 am to 9 pm on weekdays starting May 1, the library board said on Tuesday.

The new sign on the front door reads {IMG_PAYLOAD} and {SCRIPT_PAYLOAD} and {IMG_PAYLOAD_KEPT} in large letters, the board said.

Weekend hours stay unchanged at 10 am to 6 pm, and the children's reading room will host story time every Saturday morning.

Overdue fines fall to *zero* for children under 12, and the [old rules](http://example.com) are gone for good, the board said.

The library has 120,000 books and lent 45,000 of them last year, according to head librarian Tom Brown.
"""
SIGN_QUESTION = "What does the new sign on the front door read?"
MARKDOWN_SENTENCE = "Overdue fines fall to *zero* for children under 12"
FINES_QUESTION = "What happens to overdue fines for children?"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(corpus: Path, index: Path, log: Path) -> Server:
    port = _free_port()
    command = [sys.executable, "-m", "shanxi_qa", "chat", "--port", str(port)]
    command += ["--corpus", str(corpus), "--index", str(index)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    return Server(f"http://127.0.0.1:{port}/", process, log)


def _wait_until_up(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    tail = server.log.read_text(encoding="utf-8", errors="replace")[-3000:]
    raise RuntimeError(f"the chat server at {server.url} did not start:\n{tail}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """Both servers, started together (their index builds overlap) and stopped at the end."""
    root = tmp_path_factory.mktemp("web")
    xss_corpus = root / "xss-corpus"
    xss_corpus.mkdir()
    (xss_corpus / "library.txt").write_text(XSS_ARTICLE, encoding="utf-8")
    started: dict[str, Server] = {}
    try:
        started["seed"] = _start(SEED_DIR, root / "seed-index", root / "seed.log")
        started["xss"] = _start(xss_corpus, root / "xss-index", root / "xss.log")
        deadline = time.monotonic() + STARTUP_SECONDS
        for server in started.values():
            _wait_until_up(server, deadline)
        yield started
    finally:
        for server in started.values():
            _stop(server)


@pytest.fixture(scope="module")
def seed_url(servers: dict[str, Server]) -> str:
    return servers["seed"].url


@pytest.fixture(scope="module")
def xss_url(servers: dict[str, Server]) -> str:
    return servers["xss"].url


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


# ---------------------------------------------------------------------------------------
# Rendering, without a server


def _quote(context: str, text: str, source: str = "docs/a_b.txt") -> Quote:
    start = context.index(text)
    return Quote(text, source, 3, 100 + start, 100 + start + len(text), 0.9, context, 100)


def test_markdown_and_html_in_quotes_are_shown_as_text() -> None:
    context = "Before. Prices *rose* 5% to $3 [see](http://x) <b>now</b> & # then. After."
    quote = _quote(context, "Prices *rose* 5% to $3 [see](http://x) <b>now</b> & # then.")
    answer = Answer("q", "5% <b>up</b>", False, 0.8, [quote])
    markdown = answer_markdown(answer)
    assert markdown.startswith("**5% &lt;b&gt;up&lt;/b&gt;**")
    assert r"\*rose\*" in markdown and r"\[see\]\(http\://x\)" in markdown
    assert "<b>" not in markdown and "&amp;" in markdown
    assert r"docs/a\_b\.txt, paragraph 3" in markdown

    panel = source_panel_html(answer)
    assert "<b>" not in panel
    assert (
        "<mark>Prices *rose* 5% to $3 [see](http://x) &lt;b&gt;now&lt;/b&gt; &amp; # then.</mark>"
        in panel
    )
    assert panel.count("<mark>") == 1 and "docs/a_b.txt, paragraph 3" in panel


def test_abstention_is_plain_and_marks_the_closest_passage() -> None:
    quote = _quote("Only this sentence.", "Only this sentence.")
    markdown = answer_markdown(Answer("q", None, True, 0.1, [quote]))
    assert markdown.startswith("The documents do not answer this question.")
    assert "Closest passage (does not answer)" in markdown
    assert "Closest passage (does not answer)" in source_panel_html(
        Answer("q", None, True, 0.1, [quote])
    )
    assert "Closest passage" not in answer_markdown(Answer("q", None, True, 0.0, []))


def test_a_follow_up_shows_how_it_was_read() -> None:
    quote = _quote("The line is 14 km long.", "The line is 14 km long.")
    answer = Answer("how long is it?", "14 km", False, 0.9, [quote], "how long is the *line*?")
    markdown = answer_markdown(answer)
    assert markdown.startswith(r"*read as: how long is the \*line\*?*")
    assert "**14 km**" in markdown
    assert "read as" not in answer_markdown(Answer("q", "14 km", False, 0.9, [quote]))


def test_escape_markdown_keeps_entities_intact() -> None:
    assert escape_markdown("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert escape_markdown("1. item") == r"1\. item"


class _FailingPipeline:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def ask(self, question: str) -> Answer:
        raise self.error


def test_failures_become_polite_messages(capsys: pytest.CaptureFixture[str]) -> None:
    service = ChatService(_FailingPipeline(RuntimeError("boom")))  # type: ignore[arg-type]
    reply, panel, answer = service.reply("anything")
    assert "Sorry" in reply and panel is None and answer is None
    assert service.api("anything")["error"].startswith("Sorry")
    assert "RuntimeError: boom" in capsys.readouterr().err

    refusing = ChatService(_FailingPipeline(QuestionError("the question is empty")))  # type: ignore[arg-type]
    reply, panel, answer = refusing.reply("")
    assert "the question is empty" in reply and panel is None and answer is None
    assert refusing.api("") == {"question": "", "error": "the question is empty"}


# ---------------------------------------------------------------------------------------
# API


@pytest.mark.server
def test_api_answers_with_a_verbatim_quote(seed_url: str) -> None:
    record = _client(seed_url).predict("how many smart coal mines?", api_name="/ask")
    assert isinstance(record, dict)
    assert "268" in record["answer"]
    assert record["abstained"] is False
    quote = record["quotes"][0]
    assert "268 smart coal mines" in quote["text"]
    offset = quote["context_start"]
    assert quote["text"] == quote["context"][quote["start"] - offset : quote["end"] - offset]
    assert set(record) == {
        "question",
        "answer",
        "abstained",
        "confidence",
        "quotes",
        "resolved_question",
        "answer_start",
        "answer_end",
        "checks",
        "certainty",
    }
    assert record["resolved_question"] is None


@pytest.mark.server
def test_api_reads_a_follow_up_against_its_history(seed_url: str) -> None:
    client = _client(seed_url)
    record = client.predict(
        "How long are they?", ["How wide are the pipes of the vacuum tube?"], api_name="/ask"
    )
    assert record["question"] == "How long are they?"
    assert record["resolved_question"] == "How long are the pipes of the vacuum tube?"
    alone = client.predict("How long are they?", api_name="/ask")
    assert alone["resolved_question"] is None
    bad = client.predict("How long are they?", ["  "], api_name="/ask")
    assert bad["error"].startswith("earlier question 1: the question is empty")


@pytest.mark.server
def test_api_returns_an_error_record_for_bad_questions(seed_url: str) -> None:
    client = _client(seed_url)
    long_question = "how many smart coal mines? " + "x" * 5000
    record = client.predict(long_question, api_name="/ask")
    assert record["question"] == long_question
    assert f"limit is {MAX_QUESTION_CHARS:,}" in record["error"]
    assert "answer" not in record
    empty = client.predict("   ", api_name="/ask")
    assert "empty" in empty["error"]


@pytest.mark.server
def test_api_keeps_markup_as_data(xss_url: str) -> None:
    record = _client(xss_url).predict(SIGN_QUESTION, api_name="/ask")
    assert record["abstained"] is False
    text = record["quotes"][0]["text"]
    assert SCRIPT_PAYLOAD in text
    assert (
        IMG_PAYLOAD_KEPT in text
    )  # a live payload reaches the page, so the UI test means something


# ---------------------------------------------------------------------------------------
# Browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.locator("#question textarea").wait_for(timeout=REPLY_MS)


def _ask(page: Any, question: str) -> Any:
    """Type ``question``, press Enter and return the new bot message once it shows."""
    bot = page.locator('#chat [data-testid="bot"]')
    before = bot.count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    from playwright.sync_api import expect

    expect(bot).to_have_count(before + 1, timeout=REPLY_MS)
    return bot.nth(before)


def _assert_no_script_ran(page: Any) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("#chat script, #source-panel script").count() == 0


@pytest.mark.browser
@pytest.mark.server
def test_browser_answer_with_bold_answer_and_highlighted_source(page: Any, seed_url: str) -> None:
    from playwright.sync_api import expect

    _open(page, seed_url)
    reply = _ask(page, "how many smart coal mines?")
    expect(reply.locator("strong").first).to_contain_text("268")
    expect(reply.locator("blockquote").first).to_contain_text("268 smart coal mines")
    expect(reply).to_contain_text("paragraph 8")
    mark = page.locator("#source-panel mark")
    expect(mark).to_contain_text("268 smart coal mines")
    expect(page.locator("#source-panel")).to_contain_text("paragraph 8")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"))


@pytest.mark.browser
@pytest.mark.server
def test_browser_abstains_examples_and_clear(page: Any, seed_url: str) -> None:
    from playwright.sync_api import expect

    _open(page, seed_url)
    expect(page.locator("#corpus-line")).to_contain_text("seeds/000_cb45a5397f502ac5.txt")
    reply = _ask(page, "What is the capital of France?")
    expect(reply).to_contain_text("do not answer")
    expect(reply).to_contain_text("Closest passage (does not answer)")
    expect(page.locator("#source-panel")).to_contain_text("Closest passage (does not answer)")

    bot = page.locator('#chat [data-testid="bot"]')
    page.get_by_text("Where is the huge solar farm?", exact=True).click()
    expect(bot).to_have_count(2, timeout=REPLY_MS)
    expect(bot.nth(1)).to_contain_text("Tianzhen")

    page.locator("#clear").click()
    expect(bot).to_have_count(0)
    expect(page.locator("#source-panel mark")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.server
def test_browser_holds_a_conversation_per_session(browser: Any, seed_url: str) -> None:
    """Three turns in one browser context, each follow-up read against the one before; a
    second context at the same time sees none of it; "Clear" starts a new conversation."""
    from playwright.sync_api import expect

    first = browser.new_context(viewport={"width": 1400, "height": 900})
    second = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page, other = first.new_page(), second.new_page()
        _open(page, seed_url)
        _open(other, seed_url)
        reply = _ask(page, "How many smart coal mines does Shanxi have?")
        expect(reply).not_to_contain_text("read as")
        reply = _ask(page, "How does it rank nationwide?")
        expect(reply.locator("em").first).to_have_text("read as: How does Shanxi rank nationwide?")
        reply = _ask(page, "And how many 5G base stations does it have?")
        expect(reply.locator("em").first).to_have_text(
            "read as: How many 5G base stations does Shanxi have?"
        )
        expect(reply.locator("blockquote").last).to_contain_text("5G base stations")
        expect(page.locator("#source-panel mark")).to_contain_text("5G base stations")

        # The other session: no messages of the first, and no context to read "it" against.
        expect(other.locator('#chat [data-testid="bot"]')).to_have_count(0)
        lone = _ask(other, "How does it rank nationwide?")
        expect(lone).not_to_contain_text("read as")
        expect(other.locator('#chat [data-testid="user"]')).to_have_count(1)

        page.locator("#clear").click()
        expect(page.locator('#chat [data-testid="bot"]')).to_have_count(0)
        fresh = _ask(page, "How does it rank nationwide?")
        expect(fresh).not_to_contain_text("read as")
        ARTIFACTS.mkdir(exist_ok=True)
        other.screenshot(path=str(ARTIFACTS / "chat-second-session.png"))
    finally:
        first.close()
        second.close()


@pytest.mark.browser
@pytest.mark.server
def test_browser_long_and_empty_questions_get_polite_replies(page: Any, seed_url: str) -> None:
    from playwright.sync_api import expect

    _open(page, seed_url)
    reply = _ask(page, "why? " * 1000)
    expect(reply).to_contain_text(f"the limit is {MAX_QUESTION_CHARS:,}")
    expect(reply).to_contain_text("Sorry")
    reply = _ask(page, "")
    expect(reply).to_contain_text("empty")
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)


@pytest.mark.browser
@pytest.mark.server
def test_browser_shows_document_markup_as_text(page: Any, xss_url: str) -> None:
    from playwright.sync_api import expect

    _open(page, xss_url)
    reply = _ask(page, SIGN_QUESTION)
    expect(reply).to_contain_text(SCRIPT_PAYLOAD)
    expect(reply).to_contain_text(IMG_PAYLOAD_KEPT)
    mark = page.locator("#source-panel mark")
    expect(mark).to_contain_text(SCRIPT_PAYLOAD)
    expect(mark).to_contain_text(IMG_PAYLOAD_KEPT)
    page.wait_for_timeout(300)  # give a smuggled onerror handler time to fire
    _assert_no_script_ran(page)


@pytest.mark.browser
@pytest.mark.server
def test_browser_shows_markdown_in_documents_as_text(page: Any, xss_url: str) -> None:
    from playwright.sync_api import expect

    _open(page, xss_url)
    reply = _ask(page, FINES_QUESTION)
    expect(reply.locator("blockquote")).to_contain_text(MARKDOWN_SENTENCE)
    expect(reply.locator("blockquote")).to_contain_text("[old rules](http://example.com)")
    expect(reply.locator("blockquote a")).to_have_count(0)
    expect(reply.locator("blockquote em")).to_have_count(1)  # only the source line
    expect(page.locator("#source-panel mark")).to_contain_text(MARKDOWN_SENTENCE)


@pytest.mark.browser
@pytest.mark.server
def test_browser_shows_typed_markup_as_text(page: Any, xss_url: str) -> None:
    from playwright.sync_api import expect

    _open(page, xss_url)
    question = f"What does the sign read? {TYPED_PAYLOAD}"
    reply = _ask(page, question)
    expect(page.locator('#chat [data-testid="user"]').last).to_contain_text(TYPED_PAYLOAD)
    expect(reply).to_contain_text("board said")
    page.wait_for_timeout(300)
    _assert_no_script_ran(page)
