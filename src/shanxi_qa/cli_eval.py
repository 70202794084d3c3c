"""``shanxi-qa eval``: the gold set over the seed, the follow-up conversations, or a SQuAD file
article by article; each prints a table (or JSON) and may write its report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shanxi_qa.evaluation.conversations import (
    DEFAULT_CONVERSATIONS,
    evaluate_conversations,
    format_misses,
    format_scores,
    load_conversations,
)
from shanxi_qa.evaluation.evaluate import (
    DEFAULT_GOLD,
    evaluate,
    load_gold,
    seed_only,
)
from shanxi_qa.evaluation.report import (
    format_failures,
    format_squad_table,
    format_table,
    write_report,
    write_squad_report,
)
from shanxi_qa.evaluation.squad import (
    evaluate_squad,
    load_squad,
    select_articles,
)
from shanxi_qa.pipeline import Pipeline, PipelineConfig


def gold_command(args: argparse.Namespace) -> int:
    """``shanxi-qa eval`` on the gold set: print the table (or JSON), optionally write the
    report."""
    gold = load_gold(args.gold or DEFAULT_GOLD)
    corpus, index = seed_only(args.corpus, args.index)
    pipeline = Pipeline(PipelineConfig(corpus_dir=corpus, index_dir=index))
    report = evaluate(pipeline, gold)
    if args.json:
        print(json.dumps({k: report[k] for k in ("questions", "unanswerable", "modes")}, indent=2))
    else:
        print(format_table(report))
        print()
        print(format_failures(report))
    if args.report:
        markdown, chart = write_report(report, args.report)
        print(f"wrote {markdown} and {chart}", file=sys.stderr)
    return 0


def conversations_command(args: argparse.Namespace) -> int:
    """``shanxi-qa eval --conversations [FILE]``: follow-up metrics with and without history."""
    path = Path(args.conversations) if args.conversations else DEFAULT_CONVERSATIONS
    conversations = load_conversations(path)
    corpus, index = seed_only(args.corpus, args.index)
    seed = PipelineConfig(corpus_dir=corpus, index_dir=index)
    scores, report = evaluate_conversations(conversations, seed)
    if getattr(args, "json", False):
        print(json.dumps(scores, indent=2))
    else:
        print(format_scores(scores))
        print()
        print(format_misses(report))
    return 0


def squad_command(args: argparse.Namespace) -> int:
    """``shanxi-qa eval --squad FILE``: print the table (or JSON), optionally write the report."""
    articles = select_articles(load_squad(args.squad), args.articles)
    report = evaluate_squad(
        articles,
        args.index / "squad",
        paragraphs=args.paragraphs,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_squad_table(report))
    if args.report:
        markdown, chart = write_squad_report(report, args.report, str(args.squad))
        print(f"wrote {markdown} and {chart}", file=sys.stderr)
    return 0
