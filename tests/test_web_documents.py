"""Documents added and removed in the chat: a real server over a corpus of its own, a real
Chromium, and the service behind it without a browser.

The server starts once for the module over a copy of the tiny tram article in a temporary
folder (its index too), so the tests can add and remove documents freely.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shanxi_qa.chat import ChatService
from shanxi_qa.pipeline import Pipeline, PipelineConfig
from shanxi_qa.records import Answer, Quote
from shanxi_qa.render import answer_markdown, escape_markdown, source_panel_html
from tests.conftest import TINY_ARTICLE, FakeEncoder
from tests.documents.pdf_fixtures import png_bytes, write_library_pdf
from tests.test_web import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    REPLY_MS,
    STARTUP_SECONDS,
    Server,
    _ask,
    _open,
    _start,
    _stop,
    _wait_until_up,
)

ZOO_NAME = "zoo.md"
ZOO_ARTICLE = """\
# City zoo opens a penguin house

The city zoo opened a new penguin house in May, the zoo's director Mary Lane said.

The house holds 40 penguins from three colonies.
"""
ZOO_HEADLINE = "City zoo opens a penguin house"
PENGUIN_QUESTION = "How many penguins does the house hold?"
PENGUIN_SENTENCE = "The house holds 40 penguins from three colonies."
PDF_NAME = "library.pdf"
PDF_HEADLINE = "Riverton library reopens after the flood"
SUNDAY_QUESTION = "How many visitors does the council expect on a typical Sunday?"
SUNDAY_SENTENCE = "The council expects about 400 visitors on a typical Sunday."


# ---------------------------------------------------------------------------------------
# The service, without a browser (fake encoder)


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ChatService:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    # Every build in these tests (the service's adds and removes too) uses the fake encoder.
    import shanxi_qa.documents.corpus as corpus_module

    build = corpus_module.build_index

    def fake_build(*args: Any, **kwargs: Any) -> Path:
        kwargs["encoder_factory"] = FakeEncoder
        return build(*args, **kwargs)

    monkeypatch.setattr(corpus_module, "build_index", fake_build)
    config = PipelineConfig(corpus_dir=corpus, index_dir=tmp_path / "index")
    pipeline = Pipeline(
        config, encoder=FakeEncoder(), encoder_factory=FakeEncoder, warn=lambda _: None
    )
    return ChatService(pipeline)


def test_an_added_document_is_answered_from_and_named_with_its_headline(
    service: ChatService, tmp_path: Path
) -> None:
    upload = tmp_path / "upload" / ZOO_NAME
    upload.parent.mkdir()
    upload.write_text(ZOO_ARTICLE, encoding="utf-8")
    reply = service.add(upload, ZOO_NAME)
    assert reply == (
        r"Added **zoo\.md** (*City zoo opens a penguin house*), 3 paragraphs. Ask me about it."
    )
    assert service.document_names() == ["tram.txt", "zoo.md"]
    markdown, panel, answer = service.reply(PENGUIN_QUESTION, source="zoo.md")
    assert answer is not None and answer.quotes[0].source == "corpus/zoo.md"
    assert answer.quotes[0].text == PENGUIN_SENTENCE
    assert f"*{ZOO_HEADLINE}* · *corpus/zoo\\.md, paragraph 3*" in markdown
    assert panel is not None and f'<span class="source-title">{ZOO_HEADLINE}</span>' in panel

    # The same file again, and a file the reader cannot read: polite, nothing changes.
    assert service.add(upload, ZOO_NAME) == r"zoo\.md is already in the corpus \(same content\)."
    empty = tmp_path / "upload" / "empty.txt"
    empty.write_bytes(b"")
    assert service.add(empty, "empty.txt") == (
        r"Sorry, I could not add empty\.txt: file is empty or blank."
    )
    refusal = "'../zoo.md' is not a plain file name: it names a folder (/ or \\)"
    assert service.add(upload, "../zoo.md") == (
        f"Sorry, I could not add \\.\\./zoo\\.md: {escape_markdown(refusal)}."
    )
    assert service.document_names() == ["tram.txt", "zoo.md"]
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["tram.txt", "zoo.md"]


def test_an_upload_reports_the_pages_read_and_the_texts_embedded(
    service: ChatService, tmp_path: Path
) -> None:
    (tmp_path / "upload").mkdir()
    pdf = write_library_pdf(tmp_path / "upload" / PDF_NAME)
    steps: list[tuple[str, int, int]] = []
    reply = service.add(pdf, PDF_NAME, lambda what, done, total: steps.append((what, done, total)))
    assert reply.startswith(r"Added **library\.pdf**")
    assert steps[:2] == [(f"{PDF_NAME}: pages read", 1, 2), (f"{PDF_NAME}: pages read", 2, 2)]
    kinds = [what for what, _, _ in steps[2:]]
    assert kinds[0] == "paragraphs embedded" and "sentences embedded" in kinds
    assert all(done == total for what, done, total in steps[2:] if kinds.count(what) == 1)


def test_a_removed_document_is_gone_from_the_answers(service: ChatService, tmp_path: Path) -> None:
    upload = tmp_path / ZOO_NAME
    upload.write_text(ZOO_ARTICLE, encoding="utf-8")
    service.add(upload, ZOO_NAME)
    assert service.reply(PENGUIN_QUESTION)[2].quotes[0].source == "corpus/zoo.md"  # type: ignore[union-attr]
    assert service.remove(ZOO_NAME) == r"Removed **zoo\.md**: answers no longer come from it."
    assert service.document_names() == ["tram.txt"]
    answer = service.reply(PENGUIN_QUESTION)[2]
    assert answer is not None and {q.source for q in answer.quotes} == {"corpus/tram.txt"}
    # The filter names a document no longer there: a polite message, no answer.
    reply, panel, none = service.reply(PENGUIN_QUESTION, source=ZOO_NAME)
    unknown = "no document 'zoo.md' in the index; known: tram.txt"
    assert reply == f"Sorry, I cannot search there: {escape_markdown(unknown)}."
    assert panel is None and none is None
    only = f"tram.txt is the only document in {tmp_path / 'corpus'}; add another before removing it"
    assert service.remove("tram.txt") == (
        f"Sorry, I could not remove tram\\.txt: {escape_markdown(only)}."
    )


def test_quotes_name_their_page_when_the_document_has_pages() -> None:
    context = "Exports rose 5 percent. The port handled 9 million containers."
    text = "The port handled 9 million containers."
    start = context.index(text)
    quote = Quote(
        text, "docs/port.pdf", 4, 200 + start, 200 + start + len(text), 0.9, context, 200, page=3
    )
    answer = Answer("how many containers?", "9 million", False, 0.9, [quote])
    headlines = {"docs/port.pdf": "Port traffic hits a record"}
    assert answer_markdown(answer, headlines).splitlines()[2:] == [
        "> The port handled 9 million containers\\.",
        ">",
        "> — *Port traffic hits a record* · *docs/port\\.pdf, p\\. 3, paragraph 4*",
        "",
        "*sure, confidence 0.90*",
    ]
    panel = source_panel_html(answer, headlines)
    assert panel.endswith(
        '<div class="source-caption"><span class="source-title">Port traffic hits a record'
        "</span> · docs/port.pdf, p. 3, paragraph 4</div></div>"
    )
    # One document: no headline, and no page for a document without pages.
    quote.page = None
    assert answer_markdown(answer).splitlines()[4] == "> — *docs/port\\.pdf, paragraph 4*"


# ---------------------------------------------------------------------------------------
# A real server and a real browser


@pytest.fixture(scope="module")
def documents_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("web-documents")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    server = _start(corpus, root / "index", root / "server.log")
    try:
        _wait_until_up(server, __import__("time").monotonic() + STARTUP_SECONDS)
        yield server
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-page PDF made with fpdf2 (see tests/pdf_fixtures.py)."""
    return write_library_pdf(tmp_path_factory.mktemp("uploads") / PDF_NAME)


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


def _upload(page: Any, path: Path) -> Any:
    """Upload ``path`` with the button beside the question box; the bot's reply."""
    from playwright.sync_api import expect

    bot = page.locator('#chat [data-testid="bot"]')
    before = bot.count()
    with page.expect_file_chooser() as chooser:
        page.locator("#upload").click()
    chooser.value.set_files(str(path))
    expect(bot).to_have_count(before + 1, timeout=REPLY_MS)
    return bot.nth(before)


def _choose_source(page: Any, name: str) -> None:
    dropdown = page.locator("#source-filter input")
    dropdown.click()
    page.get_by_role("option", name=name, exact=True).click()


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.model
def test_browser_uploads_a_pdf_and_answers_from_it(
    page: Any, documents_server: Server, pdf_file: Path
) -> None:
    from playwright.sync_api import expect

    _open(page, documents_server.url)
    expect(page.locator("#corpus-line")).not_to_contain_text(PDF_NAME)
    expect(page.get_by_text("How many stops?", exact=True)).to_be_visible()  # the tram's
    reply = _upload(page, pdf_file)
    expect(reply).to_have_text(
        f"Added {PDF_NAME} ({PDF_HEADLINE}), 2 pages, 9 paragraphs. Ask me about it."
    )
    expect(page.locator("#corpus-line")).to_contain_text(f"corpus/{PDF_NAME} ({PDF_HEADLINE})")
    # "Try asking" now starts with a question made from the new document and answered from it.
    expect(page.get_by_text("How many visitors?", exact=True)).to_be_visible()

    reply = _ask(page, SUNDAY_QUESTION)
    expect(reply.locator("strong").first).to_contain_text("400")
    quote = reply.locator("blockquote").first
    expect(quote).to_contain_text(SUNDAY_SENTENCE)
    expect(quote).to_contain_text(re.compile(rf"{PDF_HEADLINE} · corpus/{PDF_NAME}, p\. 2, "))
    expect(page.locator("#source-panel mark")).to_have_text(SUNDAY_SENTENCE)
    expect(page.locator("#source-panel .source-caption")).to_have_text(
        re.compile(rf"^{PDF_HEADLINE} · corpus/{PDF_NAME}, p\. 2, paragraph \d+$")
    )

    # Searching the other document only: the visitors are not there.
    _choose_source(page, "tram.txt")
    reply = _ask(page, SUNDAY_QUESTION)
    expect(reply).to_contain_text("do not answer")
    expect(reply).not_to_contain_text(PDF_NAME)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-upload.png"))


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.model
def test_browser_removes_a_document_and_it_is_gone_from_the_answers(
    page: Any, documents_server: Server, pdf_file: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    _open(page, documents_server.url)
    reply = _upload(page, pdf_file)  # added, or already there from the test before
    expect(reply).to_contain_text(PDF_NAME)
    expect(_ask(page, SUNDAY_QUESTION).locator("blockquote").first).to_contain_text(PDF_NAME)

    # Files the reader cannot read: polite messages, and the list stays as it was.
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    expect(_upload(page, empty)).to_have_text(
        "Sorry, I could not add empty.txt: file is empty or blank."
    )
    photo = tmp_path / "photo.pdf"
    photo.write_bytes(png_bytes())
    expect(_upload(page, photo)).to_contain_text("Sorry, I could not add photo.pdf: ")
    expect(page.locator("#corpus-line")).to_contain_text(PDF_NAME)
    expect(page.locator("#corpus-line")).not_to_contain_text("photo.pdf")

    _choose_source(page, PDF_NAME)
    bot = page.locator('#chat [data-testid="bot"]')
    before = bot.count()
    # Removing asks first; "Keep it" keeps it.
    confirm = page.locator("#remove-confirm")
    page.locator("#remove-document").click()
    expect(confirm).to_be_visible()
    expect(page.locator("#remove-question")).to_have_text(
        f"Remove {PDF_NAME} from the library? Its file is deleted and answers no longer come "
        "from it."
    )
    page.locator("#remove-no").click()
    expect(confirm).to_be_hidden()
    expect(bot).to_have_count(before)
    expect(page.locator("#corpus-line")).to_contain_text(PDF_NAME)
    page.locator("#remove-document").click()
    page.locator("#remove-yes").click()
    expect(bot).to_have_count(before + 1, timeout=REPLY_MS)
    expect(confirm).to_be_hidden()
    expect(bot.nth(before)).to_have_text(f"Removed {PDF_NAME}: answers no longer come from it.")
    expect(page.locator("#corpus-line")).not_to_contain_text(PDF_NAME)
    expect(page.locator("#source-filter input")).to_have_value("All documents")

    reply = _ask(page, SUNDAY_QUESTION)
    expect(reply).not_to_contain_text(PDF_NAME)
    expect(reply).not_to_contain_text(SUNDAY_SENTENCE)
    expect(page.locator("#source-panel")).not_to_contain_text(PDF_NAME)
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)


def test_a_removal_is_refused_before_it_is_asked_for_the_seed_and_unknown_names(
    service: ChatService, tmp_path: Path
) -> None:
    corpus = service.pipeline.config.corpus_dir
    (corpus / ".read-only").write_text("tram.txt\n", encoding="utf-8")
    assert service.removal_refused(None) == "Pick a document in “Search in” first, then remove it."
    assert service.removal_refused("tram.txt") == (
        r"**tram\.txt** is part of the project: it cannot be removed."
    )
    assert service.removal_refused("gone.txt") == r"**gone\.txt** is no longer in the library."
    (corpus / ".read-only").unlink()
    assert service.removal_refused("tram.txt") is None


def test_the_chat_follows_an_index_another_process_changed(
    service: ChatService, tmp_path: Path
) -> None:
    """An ``add`` from the command line while the chat runs: the next question sees it."""
    from shanxi_qa.documents.corpus import add_documents

    upload = tmp_path / "cli" / ZOO_NAME
    upload.parent.mkdir()
    upload.write_text(ZOO_ARTICLE, encoding="utf-8")
    config = service.pipeline.config
    add_documents(
        [(upload, ZOO_NAME)], config.corpus_dir, config.index_dir, encoder_factory=FakeEncoder
    )
    assert service.document_names() == ["tram.txt", "zoo.md"]
    answer = service.ask(PENGUIN_QUESTION, source="zoo.md")
    assert answer.quotes[0].text == PENGUIN_SENTENCE


@pytest.mark.server
@pytest.mark.model
def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(
    documents_server: Server,
) -> None:
    import tempfile

    import httpx

    from shanxi_qa.documents.files import MAX_FILE_BYTES

    cache = Path(tempfile.gettempdir()) / "gradio"
    before = {p for p in cache.rglob("*") if p.is_file()} if cache.exists() else set()
    big = b"x" * (MAX_FILE_BYTES + 2**20)
    response = httpx.post(
        documents_server.url + "gradio_api/upload",
        files={"files": ("big.txt", big, "text/plain")},
        timeout=120,
    )
    assert response.status_code == 413
    after = {p for p in cache.rglob("*") if p.is_file()} if cache.exists() else set()
    assert not [p for p in after - before if p.stat().st_size > MAX_FILE_BYTES]


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.model
def test_browser_sees_a_document_added_from_the_command_line(
    page: Any, documents_server: Server, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from playwright.sync_api import expect

    from tests.conftest import offline_env

    _open(page, documents_server.url)
    corpus = documents_server.log.parent / "corpus"
    index = documents_server.log.parent / "index"
    zoo = tmp_path / ZOO_NAME
    zoo.write_text(ZOO_ARTICLE, encoding="utf-8")
    command = [sys.executable, "-m", "shanxi_qa", "add", str(zoo), "--corpus", str(corpus)]
    added = subprocess.run(
        [*command, "--index", str(index)],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=600,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    reply = _ask(page, PENGUIN_QUESTION)
    expect(reply.locator("strong").first).to_contain_text("40")
    expect(reply.locator("blockquote").first).to_contain_text(ZOO_NAME)
    page.reload()
    expect(page.locator("#corpus-line")).to_contain_text(ZOO_NAME)
