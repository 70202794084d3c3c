"""Evaluation of follow-up questions over written conversations, with and without the history.

``eval/conversations.jsonl`` holds one conversation a line::

    {"id": "seed-01", "corpus": "seed", "kind": "pronoun",
     "turns": [{"question": "How wide are the pipes of the vacuum tube?", "answers": ["6 meters"]},
               {"question": "How long are they?", "answers": ["21 meters"]}]}

``answers`` empty means the documents do not answer that turn (the right reply is an
abstention). ``corpus`` is ``seed`` (the corpus the command runs over) or ``squad:TITLE``, an
article of SQuAD 2.0's ten training articles (``squad.squad2_articles()``), indexed on its own in ``index/conversations/``.

Every turn after the first is a follow-up. Each is asked twice through :meth:`Pipeline.ask`: with
the earlier questions as ``history`` (as the batch CLI and the ``/ask`` API pass them) and on its
own; the first turns are asked once. ``answer_hit`` is the gold evaluation's: a gold answer in
the short answer or the first quote.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shanxi_qa.evaluation import metrics
from shanxi_qa.evaluation.squad import BENCHMARKS_ENV, squad2_articles
from shanxi_qa.paths import REPO_ROOT
from shanxi_qa.pipeline import Pipeline, PipelineConfig
from shanxi_qa.records import Answer

DEFAULT_CONVERSATIONS = REPO_ROOT / "eval" / "conversations.jsonl"


class ConversationError(ValueError):
    """The conversation file is missing or malformed; the message names the line."""


@dataclass(frozen=True)
class GoldTurn:
    question: str
    answers: list[str]


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: list[GoldTurn]
    corpus: str = "seed"
    kind: str = ""


def load_conversations(path: Path) -> list[Conversation]:
    """Read and check a conversation JSONL file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ConversationError(f"cannot read the conversation file {path}: {error}") from error
    conversations = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            turns = [
                GoldTurn(str(turn["question"]), [str(a) for a in turn["answers"]])
                for turn in data["turns"]
            ]
            conversation = Conversation(
                id=str(data["id"]),
                turns=turns,
                corpus=str(data.get("corpus", "seed")),
                kind=str(data.get("kind", "")),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ConversationError(f"{path}:{number}: not a conversation ({error})") from error
        if len(turns) < 2:
            raise ConversationError(f"{path}:{number}: a conversation needs two turns or more")
        conversations.append(conversation)
    if not conversations:
        raise ConversationError(f"{path} holds no conversations")
    return conversations


@dataclass
class FollowUpResult:
    conversation: Conversation
    turn: int  # 0-based index of the follow-up in its conversation
    with_history: Answer
    without_history: Answer

    @property
    def gold(self) -> GoldTurn:
        return self.conversation.turns[self.turn]


@dataclass
class ConversationReport:
    first_turns: list[tuple[GoldTurn, Answer]] = field(default_factory=list)
    follow_ups: list[FollowUpResult] = field(default_factory=list)


def _first_quote(answer: Answer) -> str | None:
    return answer.quotes[0].text if answer.quotes and not answer.abstained else None


def _hits(answers: list[Answer], golds: list[list[str]], quotes: bool = True) -> list[float]:
    first = [_first_quote(a) if quotes else None for a in answers]
    return metrics.answer_hit([a.answer for a in answers], first, golds)["individual_scores"]


def hit(answer: Answer, gold: GoldTurn) -> bool:
    """Whether ``answer`` answers ``gold`` (or abstains where the documents do not answer)."""
    return _hits([answer], [gold.answers])[0] == 1.0


def run_conversations(
    conversations: list[Conversation], pipeline_for: Callable[[str], Pipeline]
) -> ConversationReport:
    """Ask every turn; follow-ups with and without their history."""
    report = ConversationReport()
    for conversation in conversations:
        pipeline = pipeline_for(conversation.corpus)
        questions = [turn.question for turn in conversation.turns]
        report.first_turns.append((conversation.turns[0], pipeline.ask(questions[0])))
        for index in range(1, len(questions)):
            report.follow_ups.append(
                FollowUpResult(
                    conversation,
                    index,
                    with_history=pipeline.ask(questions[index], history=questions[:index]),
                    without_history=pipeline.ask(questions[index]),
                )
            )
    return report


def score(report: ConversationReport) -> dict[str, Any]:
    """Follow-up metrics side by side: ``{"with": {...}, "without": {...}, ...}``."""
    answerable = [r for r in report.follow_ups if r.gold.answers]
    unanswerable = [r for r in report.follow_ups if not r.gold.answers]
    out: dict[str, Any] = {
        "conversations": len(report.first_turns),
        "follow_ups": len(report.follow_ups),
        "answerable_follow_ups": len(answerable),
        "rewritten": sum(1 for r in report.follow_ups if r.with_history.resolved_question),
        "first_turn_answer_hit": _mean(
            _hits([a for _, a in report.first_turns], [g.answers for g, _ in report.first_turns])
        ),
    }
    golds = [r.gold.answers for r in answerable]
    for side in ("with", "without"):
        answers = [r.with_history if side == "with" else r.without_history for r in answerable]
        missing = [r.with_history if side == "with" else r.without_history for r in unanswerable]
        out[side] = {
            "answer_hit": _mean(_hits(answers, golds)),
            "short_answer_hit": _mean(_hits(answers, golds, quotes=False)),
            "answered": sum(1 for a in answers if not a.abstained),
            "unanswerable_abstained": sum(1 for a in missing if a.abstained),
        }
    out["unanswerable_follow_ups"] = len(unanswerable)
    out["by_corpus"] = {}
    for corpus in sorted({r.conversation.corpus for r in answerable}):
        rows = [r for r in answerable if r.conversation.corpus == corpus]
        corpus_golds = [r.gold.answers for r in rows]
        out["by_corpus"][corpus] = {
            "follow_ups": len(rows),
            "with": _mean(_hits([r.with_history for r in rows], corpus_golds)),
            "without": _mean(_hits([r.without_history for r in rows], corpus_golds)),
        }
    return out


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def format_scores(scores: dict[str, Any]) -> str:
    """The follow-up metrics with and without the history, side by side."""
    lines = [
        f"{scores['conversations']} conversations, {scores['follow_ups']} follow-ups "
        f"({scores['answerable_follow_ups']} answerable), {scores['rewritten']} rewritten "
        "with the history",
        "",
        f"{'follow-up metric':<28}{'without':>10}{'with':>10}",
        "-" * 48,
    ]
    for name in ("answer_hit", "short_answer_hit"):
        lines.append(f"{name:<28}{scores['without'][name]:>10.3f}{scores['with'][name]:>10.3f}")
    lines.append(
        f"{'answered':<28}{scores['without']['answered']:>10d}{scores['with']['answered']:>10d}"
    )
    total = scores["unanswerable_follow_ups"]
    if total:
        without = f"{scores['without']['unanswerable_abstained']}/{total}"
        with_ = f"{scores['with']['unanswerable_abstained']}/{total}"
        lines.append(f"{'unanswerable abstained':<28}{without:>10}{with_:>10}")
    for corpus, row in scores["by_corpus"].items():
        name = f"answer_hit {corpus} ({row['follow_ups']})"
        lines.append(f"{name:<28}{row['without']:>10.3f}{row['with']:>10.3f}")
    lines.append("")
    lines.append(f"first turns: answer_hit {scores['first_turn_answer_hit']:.3f}")
    return "\n".join(lines)


def format_misses(report: ConversationReport) -> str:
    """Follow-ups missed with the history: what was asked, how it was read, what came back."""
    rows = [r for r in report.follow_ups if not hit(r.with_history, r.gold)]
    lines = [f"{len(rows)} follow-up(s) missed with the history"]
    for row in rows:
        answer = row.with_history
        got = "(abstained)" if answer.abstained else f"{answer.answer} | {_first_quote(answer)}"
        lines.append(f"- [{row.conversation.id} turn {row.turn + 1}] {row.gold.question}")
        lines.append(f"    after:    {row.conversation.turns[row.turn - 1].question}")
        lines.append(f"    read as:  {answer.resolved_question or '(as asked)'}")
        lines.append(f"    expected: {' / '.join(row.gold.answers) or '(abstain)'}")
        lines.append(f"    got:      {got[:300]}")
    return "\n".join(lines)


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_title).strip("_").lower() or "article"


def squad_corpus(title: str, root: Path) -> tuple[Path, Path]:
    """A corpus folder holding the SQuAD article ``title`` as one document, and its index folder."""
    source = squad2_articles()
    if not source.is_file():
        raise ConversationError(
            f"{source} is missing: set {BENCHMARKS_ENV} to the folder holding squad2/"
        )
    data = json.loads(source.read_text(encoding="utf-8"))
    article = next((a for a in data["data"] if a["title"] == title), None)
    if article is None:
        raise ConversationError(f"no SQuAD article {title!r} in {source}")
    slug = _slug(title)
    corpus = root / slug / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    text = title.replace("_", " ") + "\n\n"
    text += "\n\n".join(" ".join(p["context"].split()) for p in article["paragraphs"]) + "\n"
    document = corpus / f"{slug}.txt"
    if not document.exists() or document.read_text(encoding="utf-8") != text:
        document.write_text(text, encoding="utf-8")
    return corpus, root / slug / "index"


def evaluate_conversations(
    conversations: list[Conversation], seed: PipelineConfig, squad_root: Path | None = None
) -> tuple[dict[str, Any], ConversationReport]:
    """Run the conversations, each over its corpus, and score them. SQuAD articles are
    indexed under ``squad_root`` (default: ``conversations/`` in the seed's index folder)."""
    root = squad_root or seed.index_dir / "conversations"
    pipelines: dict[str, Pipeline] = {}

    def pipeline_for(corpus: str) -> Pipeline:
        if corpus not in pipelines:
            if corpus == "seed":
                pipelines[corpus] = Pipeline(seed)
            elif corpus.startswith("squad:"):
                corpus_dir, index_dir = squad_corpus(corpus.removeprefix("squad:"), root)
                pipelines[corpus] = Pipeline(PipelineConfig(corpus_dir, index_dir), progress=True)
            else:
                raise ConversationError(f"unknown corpus {corpus!r} (seed or squad:TITLE)")
        return pipelines[corpus]

    report = run_conversations(conversations, pipeline_for)
    return score(report), report
