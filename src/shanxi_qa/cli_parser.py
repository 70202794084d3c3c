"""The command line's options and help: one subcommand for each use (ask, add, remove, docs, show, index, eval, chat, bench)."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import NoReturn

from shanxi_qa.records import RETRIEVAL_MODES

EXIT_RUNTIME, EXIT_USAGE = 1, 2


class UsageError(Exception):
    """Bad arguments or input: exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block.
        self.exit(EXIT_USAGE, f"error: {message} (see --help)\n")


def _common(parser: argparse.ArgumentParser) -> None:
    from shanxi_qa.paths import DEFAULT_INDEX, DEFAULT_LIBRARY

    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_LIBRARY,
        help="folder of documents (.txt, .md, .html, .pdf); default: library/, which holds "
        "the seed and what you add",
    )
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="folder for the index")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="shanxi-qa",
        description="Answers questions from its documents, proving each answer with a verbatim quote.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ask = commands.add_parser(
        "ask",
        help="answer a question",
        description=textwrap.dedent(
            """\
            Answer a question from the documents.
            examples:
              shanxi-qa ask "how many smart coal mines?"
              shanxi-qa ask --json "who delivered the report?"
              printf 'q1\\nq2\\n' | shanxi-qa ask --json -    (one question a line)
              shanxi-qa ask --source report.pdf "what did the report forecast?"
            a line of - may also be a JSON object with the conversation so far:
              {"question": "how long are they?", "history": ["how wide are the pipes?"]}"""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ask.add_argument("question", help="the question, or - to read one question per line from stdin")
    ask.add_argument(
        "--json", action="store_true", help="print the answer record as JSON (JSONL for -)"
    )
    ask.add_argument("--mode", choices=RETRIEVAL_MODES, default="hybrid", help="retrieval mode")
    ask.add_argument("--top-k", type=int, default=5, help="chunks to read (default 5)")
    ask.add_argument(
        "--source",
        default=None,
        metavar="NAME",
        help="search only this document (its file name, as `shanxi-qa docs` lists it)",
    )
    _common(ask)

    add = commands.add_parser(
        "add",
        help="add documents to the corpus and index them",
        description=textwrap.dedent(
            """\
            Copy files into the corpus folder and index them (only their texts are embedded).
            A file already there with the same content is left alone; one with the name of
            a document but other content is refused unless --replace is given. A file the
            reader cannot read is refused and changes nothing.
            examples:
              shanxi-qa add report.pdf notes.md
              shanxi-qa add --replace report.pdf"""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to add")
    add.add_argument(
        "--replace",
        action="store_true",
        help="replace a document of the same name that has other content",
    )
    _common(add)

    remove = commands.add_parser(
        "remove",
        help="remove a document from the corpus and the index",
        description="Delete a document from the corpus folder and rebuild the index without it "
        "(nothing is embedded). At a terminal it asks first; --yes does not.\n"
        "example: shanxi-qa remove report.pdf",
    )
    remove.add_argument("name", metavar="NAME", help="the document's file name (see `docs`)")
    remove.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="do not ask first (at a terminal, remove asks before deleting the file)",
    )
    _common(remove)

    docs = commands.add_parser(
        "docs",
        help="list the indexed documents",
        description="List the documents of the index: kind, pages, paragraphs, when indexed "
        "and headline; then any corpus file that could not be read.\n"
        "example: shanxi-qa docs --json",
    )
    docs.add_argument("--json", action="store_true", help="print the list as JSON")
    _common(docs)

    index = commands.add_parser(
        "index",
        help="build the index",
        description="Build the index for the corpus (only when stale, unless --rebuild).\n"
        "example: shanxi-qa index --rebuild",
    )
    index.add_argument("--rebuild", action="store_true", help="rebuild even when fresh")
    _common(index)

    show = commands.add_parser(
        "show",
        help="print a cleaned document",
        description="Print a document's cleaned text exactly as indexed; quote offsets point into it.\n"
        "example: shanxi-qa show seeds/000_cb45a5397f502ac5.txt",
    )
    show.add_argument("source", help="the document, as a quote's source or a file name")
    show.add_argument("--repairs", action="store_true", help="list the cleaner's repairs instead")
    show.add_argument("--blocks", action="store_true", help="list paragraphs with their kind")
    _common(show)

    evaluate = commands.add_parser(
        "eval",
        help="evaluate on the gold questions, or on SQuAD 2.0",
        description=textwrap.dedent(
            """\
            Run the gold set through every retrieval mode and report the metrics, or with
            --squad run a SQuAD 2.0 file article by article (each article its own corpus,
            cached under INDEX/squad) and report the official SQuAD 2.0 figures.
            examples:
              shanxi-qa eval --report docs/eval
              shanxi-qa eval --squad ../shared/benchmarks/squad2/train-10-articles.json --articles IPod
              shanxi-qa eval --squad FILE.json --paragraphs odd --report docs/squad"""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument(
        "--gold", type=Path, default=None, help="gold JSONL (default eval/gold.jsonl)"
    )
    evaluate.add_argument(
        "--squad", type=Path, default=None, help="evaluate on this SQuAD 2.0 JSON file instead"
    )
    evaluate.add_argument(
        "--articles",
        default=None,
        metavar="TITLE,...",
        help="with --squad: only these comma-separated article titles",
    )
    evaluate.add_argument(
        "--paragraphs",
        "--questions-from",
        choices=("all", "even", "odd"),
        default="all",
        help="with --squad: ask only the questions of even or odd (0-based) paragraphs; "
        "the whole article is still indexed (default all)",
    )
    evaluate.add_argument(
        "--conversations",
        nargs="?",
        const="",
        default=None,
        type=str,
        metavar="FILE",
        help="evaluate follow-up questions over conversations instead, with and without their "
        "history (default eval/conversations.jsonl)",
    )
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument(
        "--report",
        type=Path,
        default=None,
        help="write report.md and charts here (squad-report.md and squad-reliability.png "
        "with --squad)",
    )
    _common(evaluate)

    chat = commands.add_parser(
        "chat",
        help="start the browser chat",
        description="Start the web chat (Gradio). Listens on 127.0.0.1 unless --host says otherwise.\n"
        "example: shanxi-qa chat --port 7860",
    )
    chat.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    chat.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    _common(chat)

    bench = commands.add_parser(
        "bench",
        help="measure speed and memory",
        description="Benchmark cold and warm answering against the naive path.\n"
        "examples: shanxi-qa bench --json\n"
        "          shanxi-qa bench --corpus-size 500 --corpus-only",
    )
    bench.add_argument("--json", action="store_true", help="print the results as JSON")
    bench.add_argument("--rounds", type=int, default=5, help="paired cold runs (default 5)")
    bench.add_argument(
        "--corpus-size",
        type=int,
        default=0,
        metavar="N",
        help="also measure ingest and index over N one-paragraph documents (a few minutes "
        "for 500): full build, adding one, warm answers against one article",
    )
    bench.add_argument(
        "--corpus-only",
        action="store_true",
        help="with --corpus-size: measure only that",
    )
    _common(bench)
    return parser
