"""Cold and warm answering speed and memory, as a plain script.

    .venv/bin/python benchmarks/bench_cli.py [--rounds N] [--json] [--no-build]

The same measurements as ``python -m shanxi_qa bench`` (see ``benchmarks/bench.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench import DEFAULT_GOLD, BenchError, format_table, run_benchmark  # noqa: E402

from shanxi_qa.documents.library import open_library  # noqa: E402
from shanxi_qa.paths import DEFAULT_INDEX, DEFAULT_LIBRARY  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="paired cold runs (default 5)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_LIBRARY)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--no-build", action="store_true", help="skip timing a fresh index build")
    args = parser.parse_args()
    if args.rounds <= 0:
        parser.error("--rounds must be greater than 0")

    def log(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    try:
        open_library(args.corpus, warn=log)
        result = run_benchmark(
            args.corpus, args.index, args.rounds, gold=args.gold, build=not args.no_build, log=log
        )
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
