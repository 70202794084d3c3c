"""Document-level SQuAD 2.0 evaluation: each article is its own corpus, asked through the pipeline.

Each article of an official SQuAD 2.0 JSON file becomes a one-document corpus (its title as the
first line, then every paragraph context, separated by blank lines), cached under
``<index>/squad/<title>/`` so a re-run does not rebuild. Every question of the article is asked
through :meth:`Pipeline.ask`; an abstention is the empty answer.

Scoring follows the official SQuAD 2.0 script: per question the maximum over the gold answers of
exact match and token F1 after :func:`~shanxi_qa.evaluation.metrics.normalize_answer`; an unanswerable
question scores 1 when the prediction is empty. Figures are on a 0-100 scale.

Calibration: the system's *decision* is right when it answered with a span of F1 >= 0.5 against
a gold answer, or abstained on an unanswerable question. The probability it gives that its
decision is right is ``confidence`` when it answered and ``1 - confidence`` when it abstained;
:func:`~shanxi_qa.evaluation.metrics.expected_calibration_error` compares the two over 10 equal-width bins.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from shanxi_qa.evaluation import metrics

ParagraphParity = Literal["all", "even", "odd"]
PARAGRAPH_PARITIES: tuple[ParagraphParity, ...] = ("all", "even", "odd")
CORRECT_F1 = 0.5  # an answered span with at least this F1 against a gold answer is right
CALIBRATION_BINS = 10


# Where the SQuAD files live: never in the repository (CC BY-SA data from public repositories),
# but in ``../shared/benchmarks`` beside it, or wherever SHANXI_QA_BENCHMARKS points.
BENCHMARKS_ENV = "SHANXI_QA_BENCHMARKS"


def benchmarks_dir() -> Path:
    """The folder holding ``squad1/`` and ``squad2/``."""
    given = os.environ.get(BENCHMARKS_ENV)
    if given:
        return Path(given)
    return Path(__file__).resolve().parents[4] / "shared" / "benchmarks"


def squad2_articles() -> Path:
    """SQuAD 2.0's ten training articles (the dev split's and the conversations' source)."""
    return benchmarks_dir() / "squad2" / "train-10-articles.json"


class SquadError(ValueError):
    """The SQuAD file is missing or malformed, or a selection names nothing; one line."""


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: list[str]  # gold texts; empty for an unanswerable question
    article: str
    paragraph: int  # 0-based index of the paragraph within its article

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class SquadArticle:
    title: str
    paragraphs: list[str]
    questions: list[SquadQuestion]

    def document_text(self) -> str:
        """The article as one corpus document: the title, then the paragraphs."""
        blocks = [self.title.replace("_", " "), *(" ".join(p.split()) for p in self.paragraphs)]
        return "\n\n".join(blocks) + "\n"


@dataclass(frozen=True)
class Prediction:
    """What the system said about one question: ``answer`` is None when it abstained."""

    answer: str | None
    confidence: float
    first_quote: str | None = None

    @property
    def abstained(self) -> bool:
        return self.answer is None or metrics.normalize_answer(self.answer) == ""


def _field(data: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise SquadError(f"{where}: missing {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise SquadError(f"{where}: {key!r} must be a {kind.__name__}")
    return value


def _parse_question(qa: Any, title: str, paragraph: int, where: str) -> SquadQuestion:
    question = _field(qa, "question", str, where)
    answers = _field(qa, "answers", list, where)
    texts = [_field(a, "text", str, f"{where} answer {i}") for i, a in enumerate(answers)]
    impossible = qa.get("is_impossible", not texts)
    if not isinstance(impossible, bool):
        raise SquadError(f"{where}: 'is_impossible' must be true or false")
    if not impossible and not texts:
        raise SquadError(f"{where}: an answerable question needs an answer")
    # As the official script: gold answers that normalise to nothing do not count.
    gold = [] if impossible else [t for t in texts if metrics.normalize_answer(t)]
    return SquadQuestion(str(qa.get("id", where)), question, gold, title, paragraph)


def parse_squad(data: Any, name: str = "the SQuAD file") -> list[SquadArticle]:
    """Check parsed SQuAD 2.0 JSON and turn it into articles."""
    items = _field(data, "data", list, name)
    articles = []
    for number, item in enumerate(items):
        title = _field(item, "title", str, f"{name}: data[{number}]")
        paragraphs = _field(item, "paragraphs", list, f"{name}: article {title!r}")
        contexts: list[str] = []
        questions: list[SquadQuestion] = []
        for index, paragraph in enumerate(paragraphs):
            where = f"{name}: article {title!r} paragraph {index}"
            contexts.append(_field(paragraph, "context", str, where))
            for q, qa in enumerate(_field(paragraph, "qas", list, where)):
                questions.append(_parse_question(qa, title, index, f"{where} question {q}"))
        articles.append(SquadArticle(title, contexts, questions))
    if not any(article.questions for article in articles):
        raise SquadError(f"{name} holds no questions")
    return articles


def load_squad(path: Path) -> list[SquadArticle]:
    """Read and check an official SQuAD 2.0 JSON file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SquadError(f"cannot read the SQuAD file {path}: {error}") from error
    try:
        data = json.loads(text)
    except ValueError as error:
        raise SquadError(f"{path} is not JSON: {error}") from error
    return parse_squad(data, str(path))


def select_articles(articles: list[SquadArticle], titles: str | None) -> list[SquadArticle]:
    """The articles named in the comma-separated ``titles`` (all when None), in file order."""
    if not titles:
        return articles
    by_title = {article.title: article for article in articles}
    wanted = [titles] if titles in by_title else [t.strip() for t in titles.split(",")]
    unknown = [t for t in wanted if t and t not in by_title]
    if unknown:
        known = ", ".join(list(by_title)[:20]) + (", ..." if len(by_title) > 20 else "")
        raise SquadError(f"no article {unknown[0]!r} in the SQuAD file; known: {known}")
    return [article for article in articles if article.title in wanted]


def select_questions(
    questions: list[SquadQuestion], parity: ParagraphParity
) -> list[SquadQuestion]:
    """The questions of even- or odd-numbered (0-based) paragraphs, or all."""
    if parity == "all":
        return list(questions)
    remainder = 0 if parity == "even" else 1
    return [q for q in questions if q.paragraph % 2 == remainder]


def decision_correct(question: SquadQuestion, prediction: Prediction) -> bool:
    """Whether the decision was right: a span of F1 >= 0.5 when answering, or a right abstention."""
    if prediction.abstained:
        return not question.answerable
    if not question.answerable:
        return False
    return metrics.f1([prediction.answer], [question.answers])["score"] >= CORRECT_F1


def decision_confidence(prediction: Prediction) -> float:
    """The probability the system gives that its decision is right."""
    confidence = min(max(prediction.confidence, 0.0), 1.0)
    return 1.0 - confidence if prediction.abstained else confidence


def _percent(values: Sequence[float]) -> float:
    return round(100.0 * sum(values) / len(values), 2) if values else 0.0


def score_squad(
    questions: Sequence[SquadQuestion], predictions: Sequence[Prediction]
) -> dict[str, Any]:
    """The official SQuAD 2.0 figures plus quotes and calibration, all on a 0-100 scale.

    ``total``, ``HasAns_total`` and ``NoAns_total`` count questions; ``reliability`` holds the
    calibration bins (confidence and accuracy on a 0-1 scale).
    """
    if len(questions) != len(predictions):
        raise ValueError(f"{len(questions)} questions but {len(predictions)} predictions")
    answers: list[str | None] = [None if p.abstained else p.answer for p in predictions]
    golds = [q.answers for q in questions]
    exact = metrics.exact_match(answers, golds)["individual_scores"]
    f1 = metrics.f1(answers, golds)["individual_scores"]
    has = [i for i, q in enumerate(questions) if q.answerable]
    no = [i for i, q in enumerate(questions) if not q.answerable]
    hits = metrics.answer_hit(
        [None] * len(has), [predictions[i].first_quote for i in has], [golds[i] for i in has]
    )["individual_scores"]
    correct = [decision_correct(q, p) for q, p in zip(questions, predictions, strict=True)]
    confidence = [decision_confidence(p) for p in predictions]
    return {
        "total": len(questions),
        "HasAns_total": len(has),
        "NoAns_total": len(no),
        "exact": _percent(exact),
        "f1": _percent(f1),
        "HasAns_exact": _percent([exact[i] for i in has]),
        "HasAns_f1": _percent([f1[i] for i in has]),
        "NoAns_accuracy": _percent([float(predictions[i].abstained) for i in no]),
        "abstain_baseline_f1": _percent([float(not q.answerable) for q in questions]),
        "first_quote_hit": _percent(hits),
        "answered": _percent([float(not p.abstained) for p in predictions]),
        "mean_confidence_answerable": _percent([predictions[i].confidence for i in has]),
        "mean_confidence_unanswerable": _percent([predictions[i].confidence for i in no]),
        "ece": round(
            100.0 * metrics.expected_calibration_error(confidence, correct, CALIBRATION_BINS), 2
        ),
        # What the confidence itself claims: that an answer given is right.
        "ece_answers": round(
            100.0
            * metrics.expected_calibration_error(
                [confidence[i] for i, p in enumerate(predictions) if not p.abstained],
                [correct[i] for i, p in enumerate(predictions) if not p.abstained],
                CALIBRATION_BINS,
            ),
            2,
        ),
        "reliability": metrics.reliability_bins(confidence, correct, CALIBRATION_BINS),
    }


def corpus_name(title: str) -> str:
    """A folder name for an article: its title made file-safe, with a short hash against clashes."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", title).strip("._")[:60] or "article"
    return f"{safe}-{hashlib.sha1(title.encode('utf-8')).hexdigest()[:8]}"


def prepare_corpus(article: SquadArticle, root: Path) -> tuple[Path, Path]:
    """Write the article's corpus under ``root`` (unchanged text is not rewritten):
    ``(corpus_dir, index_dir)``."""
    folder = root / corpus_name(article.title)
    corpus, index = folder / "corpus", folder / "index"
    corpus.mkdir(parents=True, exist_ok=True)
    index.mkdir(parents=True, exist_ok=True)
    document = corpus / f"{corpus_name(article.title)}.txt"
    text = article.document_text()
    if not document.is_file() or document.read_text(encoding="utf-8") != text:
        document.write_text(text, encoding="utf-8")
    for stale in corpus.iterdir():  # only this article's document in its corpus
        if stale != document and stale.is_file():
            stale.unlink()
    return corpus, index


def predict(pipeline: Any, question: str) -> Prediction:
    """Ask through the pipeline; a question it refuses counts as an abstention at confidence 0."""
    from shanxi_qa.pipeline import QuestionError

    try:
        answer = pipeline.ask(question)
    except QuestionError:
        return Prediction(None, 0.0)
    quote = answer.quotes[0].text if answer.quotes else None
    return Prediction(None if answer.abstained else answer.answer, answer.confidence, quote)


def evaluate_squad(
    articles: Sequence[SquadArticle],
    cache_dir: Path,
    *,
    paragraphs: ParagraphParity = "all",
    make_pipeline: Callable[[Path, Path], Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Index each article (whole) and ask its selected questions: the report of :func:`score_squad`
    overall plus ``articles`` (one row per article) and ``paragraphs``."""
    if make_pipeline is None:
        from shanxi_qa.pipeline import Pipeline, PipelineConfig

        def make_pipeline(corpus: Path, index: Path) -> Any:
            return Pipeline(PipelineConfig(corpus_dir=corpus, index_dir=index))

    all_questions: list[SquadQuestion] = []
    all_predictions: list[Prediction] = []
    rows = []
    for article in articles:
        questions = select_questions(article.questions, paragraphs)
        if not questions:
            continue
        corpus, index = prepare_corpus(article, cache_dir)
        pipeline = make_pipeline(corpus, index)
        predictions = [predict(pipeline, q.question) for q in questions]
        scores = score_squad(questions, predictions)
        scores.pop("reliability")
        rows.append({"title": article.title, **scores})
        all_questions += questions
        all_predictions += predictions
        if progress:
            progress(f"{article.title}: {len(questions)} questions, F1 {scores['f1']:.1f}")
    if not all_questions:
        raise SquadError(f"no questions in the {paragraphs} paragraphs of the selected articles")
    return {
        "paragraphs": paragraphs,
        **score_squad(all_questions, all_predictions),
        "articles": rows,
    }
