"""Command line: ``python -m shanxi_qa <command>`` or ``shanxi-qa <command>``.

Exit codes: 0 success, 1 runtime error (index, corpus, model), 2 usage error (bad
arguments or a question that cannot be asked). Errors are one line on stderr."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shanxi_qa.cli_parser import EXIT_RUNTIME, EXIT_USAGE, UsageError, build_parser
from shanxi_qa.records import Answer, Quote
from shanxi_qa.terminal import ProgressLines, safe_output


def _pipeline(args: argparse.Namespace, progress: bool = False) -> Any:
    from shanxi_qa.pipeline import Pipeline, PipelineConfig

    return Pipeline(PipelineConfig(corpus_dir=args.corpus, index_dir=args.index), progress=progress)


def quote_source(quote: Quote) -> str:
    """Where a quote is from: ``file, p. 3, paragraph 8`` (the page when the document has pages)."""
    where = [quote.source, *([f"p. {quote.page}"] if quote.page is not None else [])]
    return ", ".join([*where, f"paragraph {quote.paragraph}"])


def format_answer(answer: Answer, headlines: Mapping[str, str] | None = None) -> str:
    """The text form of an answer: short answer, then block-quoted sources.

    ``headlines`` (source -> headline) names each quote's document too: given when the index
    holds several documents."""
    lines: list[str] = []
    if answer.abstained:
        lines.append("The documents do not answer this.")
        if answer.quotes:
            lines += ["", "Closest, but does not answer:"]
    else:
        lines.append(str(answer.answer))
    for quote in answer.quotes:
        lines += ["", *textwrap.wrap(quote.text, 96, initial_indent="> ", subsequent_indent="> ")]
        where = f"({quote_source(quote)}, score {quote.score:.2f})"
        title = (headlines or {}).get(quote.source)
        lines.append(f">   — {title} {where}" if title else f">   {where}")
    if answer.resolved_question:
        lines += ["", f"read as: {answer.resolved_question}"]
    lines += ["", f"{answer.certainty}, confidence {answer.confidence:.2f}"]
    return "\n".join(lines)


def _ask(args: argparse.Namespace) -> int:
    from shanxi_qa.pipeline import QuestionError, clean_question

    if args.top_k <= 0:
        raise UsageError(f"--top-k must be greater than 0, got {args.top_k}")
    if args.question == "-":
        try:
            questions = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise UsageError(f"stdin is not UTF-8 text (byte {error.start})") from error
        if "\x00" in questions:
            raise UsageError("stdin holds binary data (NUL bytes), not questions")
        lines = [line for line in questions.splitlines() if line.strip()]
        if not lines:
            raise UsageError("no questions on stdin (one question a line)")
    else:
        clean_question(args.question)  # fail fast, before loading the index
        lines = [args.question]

    pipeline = _pipeline(args)
    source = pipeline.resolve_source(args.source)  # an unknown document: one line, exit 2
    documents = pipeline.index.documents
    headlines = {key: pipeline.headline(key) for key in documents} if len(documents) > 1 else None
    failures = 0
    for number, line in enumerate(lines):
        try:
            question, history = _batch_line(line) if args.question == "-" else (line, None)
            answer = pipeline.ask(
                question, mode=args.mode, top_k=args.top_k, history=history, source=source
            )
        except QuestionError as error:
            if len(lines) == 1:
                raise UsageError(str(error)) from error
            failures += 1
            print(f"error: question {number + 1}: {error}", file=sys.stderr)
            if args.json:
                print(json.dumps({"question": line[:200], "error": str(error)}), flush=True)
            continue
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            if number:
                print("\n" + "-" * 40)
            print(format_answer(answer, headlines), flush=True)
    return EXIT_USAGE if failures else 0


# A batch line is one question and its history: nothing needs more.
MAX_JSON_DEPTH = 8


MAX_JSON_LINE_CHARS = 100_000


def _nesting(line: str) -> int:
    """How deep the brackets of a JSON line nest (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in line:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _batch_line(line: str) -> tuple[str, list[str] | None]:
    """A batch line: a plain question, or ``{"question": "...", "history": ["...", ...]}``
    (a line that starts with ``{``), the history being the earlier questions, oldest first."""
    from shanxi_qa.pipeline import QuestionError

    if not line.lstrip().startswith("{"):
        return line, None
    depth = _nesting(line)
    if depth > MAX_JSON_DEPTH:
        raise QuestionError(f"a JSON line nested {depth} deep; at most {MAX_JSON_DEPTH}")
    if len(line) > MAX_JSON_LINE_CHARS:
        raise QuestionError(f"a JSON line of {len(line)} characters; at most {MAX_JSON_LINE_CHARS}")
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise QuestionError(f"not a JSON question record ({error})") from error
    question = record.get("question") if isinstance(record, dict) else None
    history = record.get("history", []) if isinstance(record, dict) else None
    if not isinstance(question, str):
        raise QuestionError('a JSON line needs "question": a string')
    if not isinstance(history, list) or not all(isinstance(item, str) for item in history):
        raise QuestionError('"history" must be a list of earlier questions (strings)')
    return question, history


def _index(args: argparse.Namespace) -> int:
    from shanxi_qa.index.build import build_index
    from shanxi_qa.index.chunk import ChunkerConfig
    from shanxi_qa.index.layout import is_fresh

    config = ChunkerConfig()
    if not args.rebuild and is_fresh(args.index, args.corpus, config):
        print(f"index in {args.index} is up to date")
        return 0
    path = build_index(
        args.corpus,
        args.index,
        config,
        progress=True,
        force=args.rebuild,
        warn=lambda message: print(f"warning: {message}", file=sys.stderr),
    )
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    print(
        f"indexed {manifest['documents']} document(s), {manifest['chunks']} chunks, "
        f"{manifest['sentences']} sentences into {path}"
    )
    return 0


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _add(args: argparse.Namespace) -> int:
    from shanxi_qa.documents.corpus import add_documents
    from shanxi_qa.index.loaded import load_index

    progress = ProgressLines()
    try:
        changes = add_documents(
            [(path, path.name) for path in args.files],
            args.corpus,
            args.index,
            replace=args.replace,
            warn=_warn,
            report=progress,
        )
    finally:
        progress.close()
    for change in changes:
        if change.status == "refused":
            print(f"error: {change.message}", file=sys.stderr)
        else:
            print(change.message)
    if any(change.status in ("added", "replaced") for change in changes):
        index = load_index(args.index)
        manifest = index.manifest
        print(
            f"indexed {manifest['documents']} document(s), {manifest['chunks']} chunks; "
            f"embedded {manifest.get('embedded', 0)} new text(s)"
        )
    return EXIT_USAGE if any(change.status == "refused" for change in changes) else 0


def _confirmed(question: str) -> bool:
    """Whether the user at the terminal says yes; without a terminal (a script) there is
    nobody to ask, and the command goes ahead as told."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return True
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _remove(args: argparse.Namespace) -> int:
    from shanxi_qa.documents.corpus import remove_document
    from shanxi_qa.index.layout import read_manifest

    if not args.yes and not _confirmed(
        f"remove {args.name} from {args.corpus}? Its file is deleted. [y/N] "
    ):
        print(f"kept {args.name}", file=sys.stderr)
        return 0
    change = remove_document(args.name, args.corpus, args.index, warn=_warn)
    manifest = read_manifest(args.index) or {}
    print(f"{change.message}; {manifest.get('documents', 0)} document(s) left")
    return 0


def _docs(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from shanxi_qa.documents.listing import describe, skipped_files
    from shanxi_qa.index.build import build_index
    from shanxi_qa.index.chunk import ChunkerConfig
    from shanxi_qa.index.layout import is_fresh
    from shanxi_qa.index.loaded import load_index

    config = ChunkerConfig()
    if not is_fresh(args.index, args.corpus, config):
        build_index(args.corpus, args.index, config, progress=not args.json, warn=_warn)
    index = load_index(args.index)
    infos, skipped = describe(index), skipped_files(index)
    if args.json:
        record = {"documents": [asdict(info) for info in infos], "skipped": skipped}
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    print(format_documents(infos, skipped))
    return 0


def format_documents(infos: Sequence[Any], skipped: Sequence[str] = ()) -> str:
    """The ``docs`` table: one document a line, then the files that could not be read."""
    header = ("name", "kind", "pages", "paragraphs", "indexed", "headline")
    rows = [header] + [
        (
            info.name,
            info.kind,
            "-" if info.pages is None else str(info.pages),
            str(info.paragraphs),
            (info.indexed_at or "-")[:19].replace("T", " "),
            info.headline,
        )
        for info in infos
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    lines = [
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]
        ).rstrip()
        for row in rows
    ]
    lines.append(f"\n{len(infos)} document(s)" + (f", {len(skipped)} skipped:" if skipped else ""))
    lines += [f"  {line}" for line in skipped]
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> int:
    pipeline = _pipeline(args)
    try:
        document = pipeline.document(args.source)
    except KeyError as error:
        raise UsageError(str(error.args[0])) from error
    if args.repairs:
        for repair in document.repairs:
            print(f"{repair.rule}: {repair.before!r} -> {repair.after!r}")
    elif args.blocks:
        for number, block in enumerate(document.blocks, start=1):
            text = document.text[block.start : block.end]
            print(f"{number:3d} {block.kind:10s} [{block.start}:{block.end}] {text[:70]}")
    else:
        sys.stdout.write(document.text)
        if not document.text.endswith("\n"):
            sys.stdout.write("\n")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from shanxi_qa import cli_eval

    if args.squad is not None and args.gold is not None:
        raise UsageError("--gold and --squad cannot be used together")
    if args.squad is None and (args.articles is not None or args.paragraphs != "all"):
        raise UsageError("--articles and --paragraphs need --squad FILE")
    if args.squad is not None:
        return cli_eval.squad_command(args)
    if args.conversations is not None:
        return cli_eval.conversations_command(args)
    return cli_eval.gold_command(args)


def _chat(args: argparse.Namespace) -> int:
    from shanxi_qa.pipeline import PipelineConfig
    from shanxi_qa.web import serve

    serve(PipelineConfig(corpus_dir=args.corpus, index_dir=args.index), args.host, args.port)
    return 0


def _bench(args: argparse.Namespace) -> int:
    """The bench lives beside the package, in the checkout's ``benchmarks/``."""
    import importlib

    from shanxi_qa.paths import REPO_ROOT

    if not (REPO_ROOT / "benchmarks" / "bench.py").is_file():
        raise UsageError(f"bench runs from a checkout: {REPO_ROOT / 'benchmarks'} is missing")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    bench = importlib.import_module("benchmarks.bench")
    code: int = bench.run_cli(args)
    return code


_COMMANDS = {
    "ask": _ask,
    "add": _add,
    "remove": _remove,
    "docs": _docs,
    "index": _index,
    "show": _show,
    "eval": _eval,
    "chat": _chat,
    "bench": _bench,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; library errors become one-line messages and an exit code."""
    args = build_parser().parse_args(argv)
    # A document's control characters are shown, never sent to the terminal as such.
    with safe_output(json_mode=bool(getattr(args, "json", False))):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from shanxi_qa.documents.files import IngestError
    from shanxi_qa.documents.journal import Interrupted, JournalError
    from shanxi_qa.index.embed import EmbeddingError
    from shanxi_qa.index.layout import IndexStoreError
    from shanxi_qa.pipeline import QuestionError

    try:
        if isinstance(getattr(args, "corpus", None), Path):
            from shanxi_qa.documents.library import open_library

            open_library(args.corpus, warn=_warn)
        return _COMMANDS[args.command](args)
    except (UsageError, QuestionError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except (IndexStoreError, IngestError, EmbeddingError, JournalError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_RUNTIME
    except Interrupted as stop:
        print(f"error: {stop}", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        return 130
