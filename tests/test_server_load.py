"""The chat server under load and odd input, through its ``/ask`` API, and where it listens.

One server (``python -m shanxi_qa chat``) starts for the module over the session's real seed
index. 16 clients ask 6 questions each at once; their answers must match the answers the
same server gives one at a time, and latency is written to ``test-artifacts/load.json``.
Everything talks to 127.0.0.1 only, and every wait is bounded.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shanxi_qa.chat import SORRY
from shanxi_qa.cli_parser import build_parser
from shanxi_qa.pipeline import MAX_QUESTION_CHARS
from tests.conftest import SEED_DIR
from tests.test_web import ARTIFACTS, STARTUP_SECONDS, Server, _start, _stop, _wait_until_up

pytestmark = [pytest.mark.server, pytest.mark.model]

CLIENTS = 16
REQUEST_SECONDS = 120  # per request, queue time included: a bound, not a target
LONG_QUESTION = ("how many smart coal mines? " * 200)[:5000]
QUESTIONS = [
    "how many smart coal mines?",
    "Where is the huge solar farm?",
    "who delivered the government work report?",
    "What was Shanxi's total GDP in 2024?",
    LONG_QUESTION,
    "How long is the maglev test line?",
]
RECORD_KEYS = {
    "question",
    "answer",
    "abstained",
    "confidence",
    "quotes",
    "resolved_question",
    "answer_start",
    "answer_end",
    "checks",
    "certainty",
}
NEAR_LIMIT = "how many smart coal mines? " * 36
# Odd questions that still ask something the article answers.
MUST_ANSWER = {"how\x00 many\x1b smart\x7f coal\u200b mines?", NEAR_LIMIT}


@pytest.fixture(scope="module")
def server(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("load") / "server.log"
    started = _start(SEED_DIR, seed_index, log)
    try:
        _wait_until_up(started, time.monotonic() + STARTUP_SECONDS)
        yield started
    finally:
        _stop(started)


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def _ask(client: Any, question: Any) -> dict[str, Any]:
    record = client.submit(question, api_name="/ask").result(timeout=REQUEST_SECONDS)
    assert isinstance(record, dict), record
    return record


def _essence(record: dict[str, Any]) -> Any:
    """What must not change under load: the answer and the exact quotes."""
    if "error" in record:
        return record["error"]
    quotes = [(q["text"], q["source"], q["start"], q["end"]) for q in record["quotes"]]
    return record["answer"], record["abstained"], quotes


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port``, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_server_answers_16_concurrent_clients_correctly(server: Server) -> None:
    client = _client(server.url)
    baseline = {question: _ask(client, question) for question in QUESTIONS}
    serial = []  # one client, one request at a time: the latency without contention
    for question in QUESTIONS * 3:
        began = time.perf_counter()
        _ask(client, question)
        serial.append((time.perf_counter() - began) * 1000)
    assert baseline[QUESTIONS[0]]["answer"] == "268"
    assert f"the limit is {MAX_QUESTION_CHARS:,}" in baseline[LONG_QUESTION]["error"]
    for question, record in baseline.items():
        assert record["question"] == question
        assert "error" in record or set(record) == RECORD_KEYS

    start = threading.Barrier(CLIENTS, timeout=60)

    def client_run(number: int) -> list[tuple[str, dict[str, Any], float]]:
        client = _client(server.url)
        start.wait()  # every client connected: now all ask at once
        results = []
        for step in range(len(QUESTIONS)):
            question = QUESTIONS[(number + step) % len(QUESTIONS)]  # a different mix at once
            began = time.perf_counter()
            record = _ask(client, question)
            results.append((question, record, time.perf_counter() - began))
        return results

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(client_run, number) for number in range(CLIENTS)]
        runs = [future.result(timeout=REQUEST_SECONDS * len(QUESTIONS)) for future in futures]
    wall = time.perf_counter() - began

    results = [result for run in runs for result in run]
    assert len(results) == CLIENTS * len(QUESTIONS)
    for question, record, _ in results:
        assert record.get("error") != SORRY
        assert record["question"] == question
        assert _essence(record) == _essence(baseline[question]), question[:80]
    mines = [r for q, r, _ in results if q == QUESTIONS[0]]
    assert len(mines) == CLIENTS and all(r["answer"] == "268" for r in mines)

    latencies = [seconds * 1000 for _, _, seconds in results]
    report = {
        "clients": CLIENTS,
        "questions_per_client": len(QUESTIONS),
        "requests": len(results),
        "errors": 0,
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(results) / wall, 1),
        "p50_ms": round(_percentile(latencies, 0.50), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "serial_p50_ms": round(_percentile(serial, 0.50), 1),
        "serial_p95_ms": round(_percentile(serial, 0.95), 1),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nload: {report['requests']} requests from {CLIENTS} clients in {report['wall_s']} s, "
        f"p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, max {report['max_ms']} ms "
        f"(one client alone: p50 {report['serial_p50_ms']} ms, p95 {report['serial_p95_ms']} ms)"
    )

    # ... and afterwards it still answers normally.
    after = _ask(_client(server.url), QUESTIONS[0])
    assert _essence(after) == _essence(baseline[QUESTIONS[0]])
    assert server.process.poll() is None
    assert "Traceback" not in server.log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "\t\n\r",
        "\x00\x01\x02",
        LONG_QUESTION,
        "x" * 60_000,
        "how\x00 many\x1b smart\x7f coal\u200b mines?",
        "<b>how many</b> smart coal mines?<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "山西有多少座智能煤矿？",
        "كم عدد مناجم الفحم الذكية في شانشي؟",
        "Сколько умных угольных шахт?",
        "😀😀😀 🔥",
        "\x00\xff\xfe binary \x89PNG\r\n\x1a\n",
        "?",
        NEAR_LIMIT,  # just under the limit once spaces are collapsed
    ],
    ids=[
        "empty",
        "blank",
        "whitespace",
        "controls-only",
        "5000-chars",
        "60000-chars",
        "control-characters",
        "html",
        "img-tag",
        "chinese",
        "arabic",
        "russian",
        "emoji",
        "binary-like",
        "punctuation-only",
        "near-limit",
    ],
)
def test_odd_questions_get_a_clear_error_or_a_normal_answer(server: Server, question: str) -> None:
    record = _ask(_client(server.url), question)
    if "error" in record:
        assert set(record) == {"question", "error"}
        assert record["error"] != SORRY
        assert record["error"].startswith("the question"), record["error"]
        assert "\n" not in record["error"]
    else:
        assert set(record) == RECORD_KEYS
        assert isinstance(record["abstained"], bool)
        assert 0.0 <= record["confidence"] <= 1.0
        for quote in record["quotes"]:
            offset = quote["context_start"]
            assert (
                quote["text"] == quote["context"][quote["start"] - offset : quote["end"] - offset]
            )
    if question in MUST_ANSWER:
        assert record.get("answer") == "268", record


def _ask_raw_json(url: str, body: str) -> dict[str, Any]:
    """``/ask`` through Gradio's REST route with a hand-written JSON body (gradio_client cannot
    send a lone surrogate: it encodes the request as UTF-8 first)."""
    import httpx

    with httpx.Client(base_url=url, timeout=REQUEST_SECONDS) as http:
        posted = http.post(
            "gradio_api/call/ask", content=body, headers={"content-type": "application/json"}
        )
        posted.raise_for_status()
        event = posted.json()["event_id"]
        stream = http.get(f"gradio_api/call/ask/{event}")
    lines = stream.text.splitlines()
    assert "event: complete" in lines, stream.text[:500]
    data = lines[lines.index("event: complete") + 1].removeprefix("data: ")
    (record,) = json.loads(data)
    assert isinstance(record, dict)
    return record


@pytest.mark.parametrize(
    "body",
    [
        '{"data": ["\\ud800 how many smart coal mines?", []]}',  # a lone surrogate
        '{"data": ["\\udfff\\ud800", []]}',
        '{"data": ["\\u0000\\u0000", []]}',
    ],
    ids=["surrogate-and-question", "surrogates-only", "nul-only"],
)
def test_raw_json_with_unpaired_surrogates_gets_an_answer_or_a_clear_error(
    server: Server, body: str
) -> None:
    record = _ask_raw_json(server.url, body)
    assert record.get("error") != SORRY
    if "error" in record:
        assert record["error"].startswith("the question"), record
    else:
        assert set(record) == RECORD_KEYS
        assert record["answer"] == "268"


@pytest.mark.parametrize("value", [None, 42, ["how many smart coal mines?"]])
def test_a_question_that_is_not_text_gets_a_clear_error(server: Server, value: Any) -> None:
    from gradio_client.exceptions import AppError

    try:
        record = _ask(_client(server.url), value)
    except AppError as error:  # refused by the API's own input check: also fine
        assert "Traceback" not in str(error)
        return
    assert record.get("error") != SORRY
    assert "error" in record or set(record) == RECORD_KEYS


def test_the_server_listens_on_loopback_only(server: Server) -> None:
    assert build_parser().parse_args(["chat"]).host == "127.0.0.1"
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    addresses = _listening_addresses(port)
    assert addresses, f"nothing listens on port {port}"
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    assert addresses <= loopback, addresses
