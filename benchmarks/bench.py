"""Speed and memory benchmark: ``shanxi-qa bench [--json] [--rounds N]``.

What is measured (the machine is small and shared, so every headline figure is a median):

* **cold ask** - ``python -m shanxi_qa ask`` in a fresh process, against the **naive path**:
  a fresh process that imports sentence-transformers, loads the packaged model and embeds
  the same question. The two run in alternation (the order flips every round) and the
  ratio is taken per pair, so a change of load on the machine hits both sides of a pair.
  Peak memory is the child's own ``ru_maxrss``, read with :func:`os.wait4`.
* **cold phases** - where a fresh process spends its time: imports, opening the index,
  loading the ONNX encoder, the first answer; and whether any heavy package was imported.
* **warm answer** - one :class:`~shanxi_qa.pipeline.Pipeline` in this process; every gold
  question is asked once to warm up, then once more timed (p50/p95), with the time spent in
  the encoder and in the answerer recorded on the side (the rest is question analysis and
  retrieval).
* **index build** - one fresh build into a temporary folder, in a child process.
* **ingest and index** (``--corpus-size N``) - a corpus of N documents, one SQuAD 2.0
  paragraph each (the ten SQuAD 2.0 training articles in ``../shared/benchmarks/squad2/``,
  in order, each document
  headed by its article's title): a full build from nothing (model export included) with
  its wall time and peak memory; then ``shanxi-qa add`` of the next paragraph as one more
  document (wall time, and its share of the full build); then warm answering p50 over that
  corpus against the same questions over their one article, indexed alone (the questions
  of the first article, asked in alternation on both, so a change of load hits both).

The index the cold and warm runs use is brought up to date (in a child process) before
anything is timed, so this process never imports torch.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shanxi_qa.evaluation.squad import squad2_articles

QUESTION = "how many smart coal mines?"
HEAVY_PACKAGES = ("torch", "sentence_transformers", "transformers", "sklearn", "gradio")

# Targets of the torch-free query path, the reader included.
MAX_COLD_RATIO = 0.20
MAX_COLD_PEAK_MIB = 300.0
MAX_WARM_P50_MS = 35.0
MAX_WARM_P95_MS = 80.0

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = REPO_ROOT / "eval" / "gold.jsonl"
DEFAULT_SQUAD = squad2_articles()

# Targets of the ingest-and-index row.
MAX_ADD_SHARE = 0.05  # adding one document, as a share of the full build
MAX_CORPUS_P50_RATIO = 2.0  # warm p50 over the corpus, against one article alone
CORPUS_QUESTIONS = 100

# A fresh process doing what a naive `ask` would do before answering anything.
NAIVE_SCRIPT = textwrap.dedent(
    f"""\
    from sentence_transformers import SentenceTransformer
    from shanxi_qa.index.embed import MAX_SEQ_LENGTH, packaged_model_dir
    model = SentenceTransformer(str(packaged_model_dir()), device="cpu")
    model.max_seq_length = MAX_SEQ_LENGTH
    vector = model.encode([{QUESTION!r}], normalize_embeddings=True, show_progress_bar=False)
    assert vector.shape[0] == 1
    """
)

# A fresh process timing the phases of a cold `ask`; prints one JSON object.
PHASES_SCRIPT = textwrap.dedent(
    """\
    import json, sys, time
    started = time.perf_counter()
    from pathlib import Path
    from shanxi_qa.pipeline import Pipeline, PipelineConfig
    imported = time.perf_counter()
    pipeline = Pipeline(PipelineConfig(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2])))
    opened = time.perf_counter()
    encoder = pipeline.index.encoder
    loaded = time.perf_counter()
    answer = pipeline.ask(sys.argv[3])
    answered = time.perf_counter()
    heavy = set(sys.argv[4].split(","))
    print(json.dumps({
        "import_s": imported - started,
        "open_index_s": opened - imported,
        "load_encoder_s": loaded - opened,
        "first_answer_s": answered - loaded,
        "encoder": type(encoder).__name__,
        "heavy_modules": sorted(m for m in sys.modules if m.split(".")[0] in heavy),
    }))
    """
)


class BenchError(RuntimeError):
    """A benchmark step failed; the message says which and why."""


@dataclass
class ChildRun:
    """One child process: wall time from spawn to exit, and its peak resident memory."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


@dataclass
class ColdResult:
    ask_seconds: list[float]
    naive_seconds: list[float]
    ask_peak_mib: list[float]
    naive_peak_mib: list[float]
    ratios: list[float]  # ask / naive, per round

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def summary(self) -> dict[str, float]:
        return {
            "ask_median_s": statistics.median(self.ask_seconds),
            "naive_median_s": statistics.median(self.naive_seconds),
            "ratio_median_of_pairs": self.ratio,
            "ratio_of_medians": statistics.median(self.ask_seconds)
            / statistics.median(self.naive_seconds),
            "ask_peak_mib_median": statistics.median(self.ask_peak_mib),
            "ask_peak_mib_max": max(self.ask_peak_mib),
            "naive_peak_mib_median": statistics.median(self.naive_peak_mib),
        }


@dataclass
class PhaseResult:
    """Medians over the phase runs, in seconds, and the heavy modules seen (should be none)."""

    import_s: float
    open_index_s: float
    load_encoder_s: float
    first_answer_s: float
    encoder: str
    heavy_modules: list[str]


@dataclass
class WarmResult:
    questions: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    stages_p50_ms: dict[str, float]
    stages_p95_ms: dict[str, float]


@dataclass
class BuildResult:
    seconds: float
    peak_mib: float


@dataclass
class Check:
    metric: str
    value: str
    target: str
    ok: bool | None  # None: reported, no target


@dataclass
class BenchResult:
    rounds: int
    cold: ColdResult
    phases: PhaseResult
    warm: WarmResult
    build: BuildResult | None
    machine: dict[str, Any] = field(default_factory=dict)
    corpus: CorpusResult | None = None

    def checks(self) -> list[Check]:
        cold = self.cold.summary()
        warm = self.warm
        ratio = self.cold.ratio
        peak = cold["ask_peak_mib_median"]
        rows = [
            Check("cold ask wall (median)", f"{cold['ask_median_s']:.3f} s", "", None),
            Check("naive embed wall (median)", f"{cold['naive_median_s']:.3f} s", "", None),
            Check(
                "cold / naive (median of pairs)",
                f"{ratio:.3f}",
                f"<= {MAX_COLD_RATIO:.2f}",
                ratio <= MAX_COLD_RATIO,
            ),
            Check(
                "cold ask peak RSS (median)",
                f"{peak:.0f} MiB",
                f"<= {MAX_COLD_PEAK_MIB:.0f} MiB",
                peak <= MAX_COLD_PEAK_MIB,
            ),
            Check("naive peak RSS (median)", f"{cold['naive_peak_mib_median']:.0f} MiB", "", None),
            Check(
                "query path heavy imports",
                ", ".join(self.phases.heavy_modules[:3]) or "none",
                "none",
                not self.phases.heavy_modules,
            ),
            Check("  cold: imports", f"{self.phases.import_s * 1000:.0f} ms", "", None),
            Check("  cold: open index", f"{self.phases.open_index_s * 1000:.0f} ms", "", None),
            Check("  cold: load encoder", f"{self.phases.load_encoder_s * 1000:.0f} ms", "", None),
            Check("  cold: first answer", f"{self.phases.first_answer_s * 1000:.0f} ms", "", None),
            Check(
                f"warm answer p50 ({warm.questions} q)",
                f"{warm.p50_ms:.1f} ms",
                f"<= {MAX_WARM_P50_MS:.0f} ms",
                warm.p50_ms <= MAX_WARM_P50_MS,
            ),
            Check(
                f"warm answer p95 ({warm.questions} q)",
                f"{warm.p95_ms:.1f} ms",
                f"<= {MAX_WARM_P95_MS:.0f} ms",
                warm.p95_ms <= MAX_WARM_P95_MS,
            ),
        ]
        for stage, p50 in warm.stages_p50_ms.items():
            p95 = warm.stages_p95_ms[stage]
            rows.append(Check(f"  warm: {stage} p50 / p95", f"{p50:.1f} / {p95:.1f} ms", "", None))
        if self.build is not None:
            rows.append(Check("index build wall", f"{self.build.seconds:.1f} s", "", None))
            rows.append(Check("index build peak RSS", f"{self.build.peak_mib:.0f} MiB", "", None))
        if self.corpus is not None:
            rows += self.corpus.checks()
        return rows

    def all_ok(self) -> bool:
        return all(check.ok is not False for check in self.checks())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "machine": self.machine,
            "cold": {**asdict(self.cold), **self.cold.summary()},
            "cold_phases": asdict(self.phases),
            "warm": asdict(self.warm),
            "build": asdict(self.build) if self.build is not None else None,
            "corpus": asdict(self.corpus) if self.corpus is not None else None,
            "targets": {
                "cold_ratio_max": MAX_COLD_RATIO,
                "cold_peak_mib_max": MAX_COLD_PEAK_MIB,
                "warm_p50_ms_max": MAX_WARM_P50_MS,
                "warm_p95_ms_max": MAX_WARM_P95_MS,
                "add_share_max": MAX_ADD_SHARE,
                "corpus_p50_ratio_max": MAX_CORPUS_P50_RATIO,
            },
            "checks": [asdict(check) for check in self.checks()],
            "all_ok": self.all_ok(),
        }


# --------------------------------------------------------------------------- child processes


def child_env() -> dict[str, str]:
    """The environment of every child: offline, so nothing waits on the network."""
    env = dict(os.environ)
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    return env


def _mib(maxrss: int) -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def run_child(argv: Sequence[str], env: Mapping[str, str] | None = None) -> ChildRun:
    """Run ``argv`` to completion; wall time and the child's own peak RSS (``wait4``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env if env is not None else child_env()),
        )
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            seconds=seconds,
            peak_mib=_mib(usage.ru_maxrss),
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def _checked(run: ChildRun, what: str) -> ChildRun:
    if run.returncode != 0:
        tail = " | ".join(run.stderr.strip().splitlines()[-3:])
        raise BenchError(f"{what} failed with exit code {run.returncode}: {tail}")
    return run


def ask_argv(corpus: Path, index: Path, question: str = QUESTION) -> list[str]:
    return [
        sys.executable,
        "-m",
        "shanxi_qa",
        "ask",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
        question,
    ]


def naive_argv() -> list[str]:
    return [sys.executable, "-c", NAIVE_SCRIPT]


def index_argv(corpus: Path, index: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "shanxi_qa",
        "index",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
    ]


def ensure_index(corpus: Path, index: Path) -> None:
    """Build the index when it is stale, in a child process (this one stays torch-free)."""
    _checked(run_child(index_argv(corpus, index)), "bringing the index up to date")


# --------------------------------------------------------------------------- measurements


def measure_cold(
    corpus: Path, index: Path, rounds: int, log: Callable[[str], None] = lambda _: None
) -> ColdResult:
    """``rounds`` pairs of cold ``ask`` and naive embedding, in alternating order."""
    ask, naive = ask_argv(corpus, index), naive_argv()
    # One untimed pair first, so that no timed run pays for filling the page cache.
    _checked(run_child(ask), "cold ask")
    _checked(run_child(naive), "the naive sentence-transformers path")
    result = ColdResult([], [], [], [], [])
    for number in range(rounds):
        first_ask = number % 2 == 0
        runs: dict[str, ChildRun] = {}
        for name in ("ask", "naive") if first_ask else ("naive", "ask"):
            argv = ask if name == "ask" else naive
            runs[name] = _checked(run_child(argv), f"round {number + 1}: {name}")
        if not runs["ask"].stdout.strip():
            raise BenchError(f"round {number + 1}: the cold ask printed no answer")
        result.ask_seconds.append(runs["ask"].seconds)
        result.naive_seconds.append(runs["naive"].seconds)
        result.ask_peak_mib.append(runs["ask"].peak_mib)
        result.naive_peak_mib.append(runs["naive"].peak_mib)
        result.ratios.append(runs["ask"].seconds / runs["naive"].seconds)
        log(
            f"round {number + 1}/{rounds}: ask {runs['ask'].seconds:.3f} s "
            f"({runs['ask'].peak_mib:.0f} MiB), naive {runs['naive'].seconds:.3f} s "
            f"({runs['naive'].peak_mib:.0f} MiB)"
        )
    return result


def measure_phases(corpus: Path, index: Path, rounds: int) -> PhaseResult:
    """Median time per phase of a cold ask, from ``rounds`` fresh processes."""
    argv = [
        sys.executable,
        "-c",
        PHASES_SCRIPT,
        str(corpus),
        str(index),
        QUESTION,
        ",".join(HEAVY_PACKAGES),
    ]
    samples: list[dict[str, Any]] = []
    for _ in range(max(rounds, 1)):
        run = _checked(run_child(argv), "the cold phase timing")
        try:
            samples.append(json.loads(run.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError) as error:
            raise BenchError(
                f"the cold phase timing printed no JSON: {run.stdout[-200:]!r}"
            ) from error
    heavy = sorted({m for sample in samples for m in sample["heavy_modules"]})

    def median(key: str) -> float:
        return statistics.median(float(sample[key]) for sample in samples)

    return PhaseResult(
        import_s=median("import_s"),
        open_index_s=median("open_index_s"),
        load_encoder_s=median("load_encoder_s"),
        first_answer_s=median("first_answer_s"),
        encoder=str(samples[-1]["encoder"]),
        heavy_modules=heavy,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks, as numpy's default."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def load_questions(gold: Path) -> list[str]:
    """The ``question`` field of every line of a gold JSONL file."""
    try:
        lines = gold.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BenchError(f"cannot read the gold questions {gold}: {error.strerror}") from error
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise BenchError(f"{gold}:{number}: not JSON ({error})") from error
        if isinstance(record, dict) and isinstance(record.get("question"), str):
            questions.append(record["question"])
    if not questions:
        raise BenchError(f"no questions in {gold}")
    return questions


def measure_warm(corpus: Path, index: Path, questions: Sequence[str]) -> WarmResult:
    """Per-question latency of a warm :class:`Pipeline`, and a per-stage breakdown."""
    from shanxi_qa.pipeline import Pipeline, PipelineConfig

    pipeline = Pipeline(PipelineConfig(corpus_dir=corpus, index_dir=index))
    for question in questions:  # warm-up: encoder session, caches, lazy imports
        pipeline.ask(question)

    # One timed pass; each stage's time is the pipeline's own (Trace.timings): "analyse" is
    # reading and embedding the question, "retrieve" BM25 + dense + fusion, "answer" the
    # ranker, the reader and the decision.
    clock = time.perf_counter
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    for question in questions:
        started = clock()
        trace = pipeline.run(question)
        totals.append((clock() - started) * 1000)
        for name, seconds in trace.timings.items():
            stages.setdefault(name, []).append(seconds * 1000)

    return WarmResult(
        questions=len(questions),
        p50_ms=percentile(totals, 50),
        p95_ms=percentile(totals, 95),
        max_ms=max(totals),
        stages_p50_ms={name: percentile(values, 50) for name, values in stages.items()},
        stages_p95_ms={name: percentile(values, 95) for name, values in stages.items()},
    )


def measure_build(corpus: Path) -> BuildResult:
    """One fresh index build into a temporary folder, in a child process."""
    with tempfile.TemporaryDirectory(prefix="shanxi-qa-bench-") as folder:
        run = _checked(run_child(index_argv(corpus, Path(folder) / "index")), "the index build")
    return BuildResult(seconds=run.seconds, peak_mib=run.peak_mib)


@dataclass
class CorpusResult:
    """The ingest-and-index row: a corpus of one document per SQuAD paragraph."""

    documents: int
    chunks: int
    sentences: int
    build_seconds: float
    build_peak_mib: float
    add_seconds: float
    add_peak_mib: float
    add_embedded: int
    build_bytes: int  # the build folder (the model is a link)
    model_bytes: int  # the one copy of the model
    questions: int
    corpus_p50_ms: float
    article_p50_ms: float
    article: str

    @property
    def add_share(self) -> float:
        return self.add_seconds / self.build_seconds

    @property
    def p50_ratio(self) -> float:
        return self.corpus_p50_ms / self.article_p50_ms

    def checks(self) -> list[Check]:
        size = f"{self.documents} docs"
        return [
            Check(
                "corpus: documents / chunks / sentences",
                f"{self.documents} / {self.chunks} / {self.sentences}",
                "",
                None,
            ),
            Check(f"corpus build wall ({size})", f"{self.build_seconds:.1f} s", "", None),
            Check(f"corpus build peak RSS ({size})", f"{self.build_peak_mib:.0f} MiB", "", None),
            Check(
                "  build folder / model (one copy)",
                f"{self.build_bytes / 2**20:.1f} / {self.model_bytes / 2**20:.1f} MiB",
                "",
                None,
            ),
            Check(
                f"add one document to {self.documents}",
                f"{self.add_seconds:.2f} s ({self.add_share:.1%})",
                f"<= {MAX_ADD_SHARE:.0%} of build",
                self.add_share <= MAX_ADD_SHARE,
            ),
            Check(
                "  add: texts embedded / peak RSS",
                f"{self.add_embedded} / {self.add_peak_mib:.0f} MiB",
                "",
                None,
            ),
            Check(
                f"warm p50, {size} ({self.questions} q)",
                f"{self.corpus_p50_ms:.1f} ms ({self.p50_ratio:.2f}x)",
                f"<= {MAX_CORPUS_P50_RATIO:.0f}x one article",
                self.p50_ratio <= MAX_CORPUS_P50_RATIO,
            ),
            Check(
                f"warm p50, one article ({self.questions} q)",
                f"{self.article_p50_ms:.1f} ms",
                "",
                None,
            ),
        ]


def squad_paragraphs(squad: Path) -> list[tuple[str, str, list[str]]]:
    """(article title, paragraph, its questions) for every paragraph of a SQuAD file, in order."""
    try:
        data = json.loads(squad.read_text(encoding="utf-8"))
        return [
            (
                str(article["title"]).replace("_", " "),
                str(paragraph["context"]),
                [str(qa["question"]) for qa in paragraph["qas"]],
            )
            for article in data["data"]
            for paragraph in article["paragraphs"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BenchError(f"cannot read the SQuAD articles {squad}: {error}") from error


def _document_name(number: int, title: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")
    return f"{number:03d}-{slug[:40]}.txt"


def add_argv(corpus: Path, index: Path, files: Sequence[Path]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "shanxi_qa",
        "add",
        *map(str, files),
        "--corpus",
        str(corpus),
        "--index",
        str(index),
    ]


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def measure_corpus(
    size: int,
    squad: Path = DEFAULT_SQUAD,
    questions: int = CORPUS_QUESTIONS,
    log: Callable[[str], None] = lambda _: None,
) -> CorpusResult:
    """Build a corpus of ``size`` one-paragraph documents, add one more, and time answers."""
    paragraphs = squad_paragraphs(squad)
    if not 1 <= size < len(paragraphs):
        raise BenchError(
            f"--corpus-size must be between 1 and {len(paragraphs) - 1} (the paragraphs of "
            f"{squad.name}, less one to add), got {size}"
        )
    article = paragraphs[0][0]
    with tempfile.TemporaryDirectory(prefix="shanxi-qa-corpus-") as folder:
        root = Path(folder)
        corpus, index = root / "corpus", root / "index"
        corpus.mkdir()
        for number, (title, text, _) in enumerate(paragraphs[:size]):
            (corpus / _document_name(number, title)).write_text(
                f"{title}\n\n{text}\n", encoding="utf-8"
            )
        extra_title, extra_text, _ = paragraphs[size]
        extra = root / "new" / _document_name(size, extra_title)
        extra.parent.mkdir()
        extra.write_text(f"{extra_title}\n\n{extra_text}\n", encoding="utf-8")
        # The first article alone, as one document: its title, then its paragraphs.
        alone = root / "article"
        alone.mkdir()
        own = [(text, asked) for title, text, asked in paragraphs if title == article]
        (alone / _document_name(0, article)).write_text(
            f"{article}\n\n" + "\n\n".join(text for text, _ in own) + "\n", encoding="utf-8"
        )
        asked = [q for _, qs in own for q in qs]
        step = max(1, len(asked) // questions)
        chosen = asked[::step][:questions]

        log(f"building the index of {size} documents from nothing")
        build = _checked(run_child(index_argv(corpus, index)), "the corpus build")
        manifest = json.loads((index / "current" / "manifest.json").read_text(encoding="utf-8"))
        log("adding one more document")
        added = _checked(run_child(add_argv(corpus, index, [extra])), "adding a document")
        after = json.loads((index / "current" / "manifest.json").read_text(encoding="utf-8"))
        if after.get("documents") != size + 1:
            raise BenchError(f"the added document is not in the index: {added.stdout[-300:]}")
        log(f"building the index of {article} alone")
        article_index = root / "article-index"
        _checked(run_child(index_argv(alone, article_index)), "the one-article build")
        log(f"timing {len(chosen)} warm questions on both, in alternation")
        corpus_p50, article_p50 = _paired_warm([(corpus, index), (alone, article_index)], chosen)
        return CorpusResult(
            documents=int(manifest["documents"]),
            chunks=int(manifest["chunks"]),
            sentences=int(manifest["sentences"]),
            build_seconds=build.seconds,
            build_peak_mib=build.peak_mib,
            add_seconds=added.seconds,
            add_peak_mib=added.peak_mib,
            add_embedded=int(after.get("embedded", -1)),
            build_bytes=_folder_bytes((index / "current").resolve()),
            model_bytes=_folder_bytes(index / "models"),
            questions=len(chosen),
            corpus_p50_ms=corpus_p50,
            article_p50_ms=article_p50,
            article=article,
        )


def _paired_warm(
    setups: Sequence[tuple[Path, Path]], questions: Sequence[str]
) -> tuple[float, float]:
    """Warm p50 (ms) of each (corpus, index), every question asked on each in turn."""
    from shanxi_qa.pipeline import Pipeline, PipelineConfig

    pipelines = [Pipeline(PipelineConfig(corpus_dir=c, index_dir=i)) for c, i in setups]
    for question in questions:  # warm-up
        for pipeline in pipelines:
            pipeline.ask(question)
    timings: list[list[float]] = [[] for _ in pipelines]
    for number, question in enumerate(questions):
        order = range(len(pipelines)) if number % 2 == 0 else reversed(range(len(pipelines)))
        for which in order:
            started = time.perf_counter()
            pipelines[which].ask(question)
            timings[which].append((time.perf_counter() - started) * 1000)
    first, second = (percentile(values, 50) for values in timings)
    return first, second


def machine_info() -> dict[str, Any]:
    try:
        load = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        load = []
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": load,
    }


def run_benchmark(
    corpus: Path,
    index: Path,
    rounds: int = 5,
    *,
    gold: Path = DEFAULT_GOLD,
    build: bool = True,
    corpus_size: int = 0,
    log: Callable[[str], None] = lambda _: None,
) -> BenchResult:
    """Every measurement, in an order where no step disturbs the next one's figures."""
    if rounds <= 0:
        raise ValueError(f"rounds must be greater than 0, got {rounds}")
    corpus, index = corpus.resolve(), index.resolve()
    questions = load_questions(gold)
    log(f"checking the index in {index}")
    ensure_index(corpus, index)
    machine = machine_info()
    build_result = None
    if build:
        log("timing a fresh index build")
        build_result = measure_build(corpus)
    log(f"timing {rounds} pairs of cold ask / naive embedding")
    cold = measure_cold(corpus, index, rounds, log)
    log("timing the phases of a cold ask")
    phases = measure_phases(corpus, index, rounds)
    log(f"timing {len(questions)} warm questions")
    warm = measure_warm(corpus, index, questions)
    corpus_result = measure_corpus(corpus_size, log=log) if corpus_size else None
    return BenchResult(
        rounds=rounds,
        cold=cold,
        phases=phases,
        warm=warm,
        build=build_result,
        machine=machine,
        corpus=corpus_result,
    )


# --------------------------------------------------------------------------- output


def format_checks(checks: Sequence[Check]) -> str:
    """A plain-text table: metric, value, target, ok?"""
    header = ("metric", "value", "target", "ok?")
    rows = [header] + [
        (c.metric, c.value, c.target or "-", "-" if c.ok is None else "yes" if c.ok else "NO")
        for c in checks
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_table(result: BenchResult) -> str:
    """A plain-text table: metric, value, target, ok?"""
    header = ("metric", "value", "target", "ok?")
    rows = [header] + [
        (c.metric, c.value, c.target or "-", "-" if c.ok is None else "yes" if c.ok else "NO")
        for c in result.checks()
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    machine = result.machine
    lines.append("")
    lines.append(
        f"{result.rounds} paired cold rounds; {machine.get('cpus')} CPUs, "
        f"load average {machine.get('loadavg')}; every figure is a median unless named p95/max"
    )
    return "\n".join(lines)


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run_cli(args: argparse.Namespace) -> int:
    """The ``bench`` command: print the table (or JSON with ``--json``); 1 when a step fails."""
    if args.rounds <= 0:
        raise ValueError(f"--rounds must be greater than 0, got {args.rounds}")
    size = int(getattr(args, "corpus_size", 0) or 0)
    if size < 0:
        raise ValueError(f"--corpus-size must be 0 or more, got {size}")
    try:
        if getattr(args, "corpus_only", False):
            if not size:
                raise ValueError("--corpus-only needs --corpus-size N")
            machine = machine_info()
            corpus = measure_corpus(size, log=_log)
            if args.json:
                record = {
                    "machine": machine,
                    "corpus": asdict(corpus),
                    "checks": [asdict(check) for check in corpus.checks()],
                }
                print(json.dumps(record, indent=2))
            else:
                print(format_checks(corpus.checks()))
                print(f"\n{machine.get('cpus')} CPUs, load average {machine.get('loadavg')}")
            return 0
        result = run_benchmark(
            Path(args.corpus), Path(args.index), args.rounds, corpus_size=size, log=_log
        )
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_table(result))
    return 0
