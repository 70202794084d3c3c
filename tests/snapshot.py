"""Answers recorded before a change that must not change them (moving code, merging word lists):
the gold set and the seed's conversations over the seed, and the SQuAD dev article
To_Kill_a_Mockingbird (stored as hashes: SQuAD's text stays out of the repository).

    .venv/bin/python -m tests.snapshot          # write tests/snapshots/answers.json

A change that is meant to change answers rewrites the file in its own commit and says what
changed and by how much.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from shanxi_qa.evaluation.conversations import DEFAULT_CONVERSATIONS, load_conversations
from shanxi_qa.evaluation.evaluate import DEFAULT_GOLD, load_gold
from shanxi_qa.evaluation.squad import load_squad, prepare_corpus, squad2_articles
from shanxi_qa.pipeline import Pipeline, PipelineConfig, QuestionError
from shanxi_qa.records import Answer

SNAPSHOT = Path(__file__).parent / "snapshots" / "answers.json"
SQUAD_ARTICLE = "To_Kill_a_Mockingbird"


def record(answer: Answer) -> dict[str, Any]:
    quote = answer.quotes[0] if answer.quotes else None
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "confidence": round(answer.confidence, 4),
        "quote": [quote.source.split("/")[-1], quote.start, quote.end] if quote else None,
        "resolved": answer.resolved_question,
    }


def seed_answers(pipeline: Pipeline) -> dict[str, Any]:
    gold = {item.question: record(pipeline.ask(item.question)) for item in load_gold(DEFAULT_GOLD)}
    conversations: dict[str, Any] = {}
    for conversation in load_conversations(DEFAULT_CONVERSATIONS):
        if conversation.corpus != "seed":
            continue
        questions = [turn.question for turn in conversation.turns]
        for number in range(len(questions)):
            answer = pipeline.ask(questions[number], history=questions[:number])
            conversations[f"{conversation.id}/{number}"] = record(answer)
    return {"gold": gold, "conversations": conversations}


def squad_answers(root: Path) -> dict[str, str] | None:
    """Each question of the dev article: the sha256 (16 hex digits) of its record."""
    path = squad2_articles()
    if not path.is_file():
        return None
    [article] = [a for a in load_squad(path) if a.title == SQUAD_ARTICLE]
    corpus, index = prepare_corpus(article, root)
    pipeline = Pipeline(PipelineConfig(corpus_dir=corpus, index_dir=index))
    hashed = {}
    for question in article.questions:
        try:
            answer: Any = record(pipeline.ask(question.question))
        except QuestionError as error:
            answer = {"error": str(error)}
        text = json.dumps(answer, sort_keys=True, ensure_ascii=False)
        hashed[question.id] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return hashed


def main() -> int:
    from shanxi_qa.paths import SEED_CORPUS

    with tempfile.TemporaryDirectory() as work:
        seed = Pipeline(PipelineConfig(corpus_dir=SEED_CORPUS, index_dir=Path(work) / "seed"))
        data = seed_answers(seed)
        squad = squad_answers(Path(work) / "squad")
    if squad is None:
        print("SQuAD 2.0 articles not found: not written", file=sys.stderr)
        return 1
    data["squad"] = squad
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}: {sum(len(v) for v in data.values())} answers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
