"""`make bench`: every figure of the benchmark, printed and written to bench-results.json.

Runs in this process against a DynamoDB Local it starts in memory. Exits 1
when a figure misses its goal (a pending figure is not a miss). ``--flow TEXT`` runs only
the round-trip entries whose name contains TEXT (``python -m bench --flow "appeal "``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench import figures, search, statement
from bench.counting import RoundTripCounter
from bench.flows import FLOWS, Harness
from bench.report import render, write_json
from bench.stack import ROOT, as_on_lambda, federation_stubs, local_dynamodb


def _quiet_app_logs(sink) -> None:
    """The app logs JSON lines to stdout; send them to ``sink`` so the table stays readable.

    The lines are still formatted and written, so their CPU cost is measured; so are the
    Metrics' EMF blobs, printed to a redirected stdout.
    """
    from chalicelib.observability import logger

    logger.registered_handler.setStream(sink)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--json", default=str(ROOT / "bench-results.json"), help="where to write the results")
    parser.add_argument("--users", type=int, default=10_000, help="users in the large lockout-cleanup run")
    parser.add_argument("--skip-zip", action="store_true", help="do not build the deployment zip")
    parser.add_argument("--cpu-runs", type=int, default=figures.CPU_RUNS, help="runs of each CPU figure")
    parser.add_argument("--cpu-rounds", type=int, default=figures.CPU_ROUNDS, help="rounds in each run")
    parser.add_argument(
        "--flow",
        action="append",
        default=[],
        metavar="TEXT",
        help="only the round-trip entries whose name contains TEXT (repeatable); no other figure is run",
    )
    args = parser.parse_args(argv)
    chosen = tuple(f for f in FLOWS if any(text in f.name for text in args.flow))
    if args.flow and not chosen:
        parser.error(f"no round-trip entry's name contains {' or '.join(map(repr, args.flow))}")

    out = sys.stdout
    rows = []
    started = time.perf_counter()
    cpu = {"runs": args.cpu_runs, "rounds": args.cpu_rounds}
    # The local 江苏政务 IdP and 支付宝 simulator: the OIDC and Alipay callbacks talk to them over HTTP.
    with local_dynamodb(), federation_stubs(), open(os.devnull, "w") as sink:
        bench_env = dict(os.environ)  # the stack's environment, off Lambda: for the cold-start row that says so
        with as_on_lambda() as xray:  # before the app is imported: Tracer and the X-Ray SDK decide then
            from app import app

            _quiet_app_logs(sink)
            harness = Harness(app)
            counter = RoundTripCounter()
            with contextlib.redirect_stdout(sink):  # the dev outbox prints each SMS, Metrics each EMF blob
                print("measuring round trips …", file=out, flush=True)
                rows += figures.round_trips(harness, counter, flows=chosen or FLOWS)
                counter.disarm_all()
                if chosen:  # --flow: those entries only
                    print(file=out)
                    print(render(rows), file=out)
                    missed = [r.name for r in rows if r.ok is False]
                    return 1 if missed else 0
                print(f"measuring CPU ({args.cpu_runs} runs × {args.cpu_rounds} rounds) …", file=out, flush=True)
                rows.append(figures.login_cpu(harness, xray, **cpu))
                rows.append(figures.read_cpu(harness, xray, **cpu))
                rows.append(figures.qr_poll_cpu(harness, xray, **cpu))
                print("measuring the header search with 2,000 services …", file=out, flush=True)
                rows.append(search.search_cpu(harness, runs=args.cpu_runs, rounds=max(10, args.cpu_rounds // 10)))
                print("rendering the 权益单 PDF …", file=out, flush=True)
                rows.append(statement.statement_pdf_cpu(runs=args.cpu_runs))
                print(f"seeding {args.users:,} users for the lockout cleanup …", file=out, flush=True)
                rows.append(figures.cleanup_scaling(counter, large=args.users, small=max(1, args.users // 10)))
    with tempfile.TemporaryDirectory(prefix="hall-zip-") as tmp:
        if args.skip_zip:
            zip_row = figures.skipped_zip()
        else:
            print("building the deployment zip …", file=out, flush=True)
            zip_row = figures.zip_size(Path(tmp) / "out")
        zip_path = zip_row.detail.get("path")
        print("measuring cold start …", file=out, flush=True)
        package = (Path(zip_path), Path(tmp) / "unpacked") if zip_path else None
        cold = figures.cold_start(bench_env, package)
    rows += [*cold, zip_row]
    rows.sort(key=lambda r: int(r.section.split(".")[0]))  # by figure number; stable within one

    print(file=out)
    print(render(rows), file=out)
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "seconds": round(time.perf_counter() - started, 1),
        "dynamodb": "DynamoDB Local (in memory)",
    }
    write_json(rows, Path(args.json), meta)
    missed = [r.name for r in rows if r.ok is False]
    print(f"\nwrote {args.json}; {len(missed)} goal(s) missed" + (f": {', '.join(missed)}" if missed else ""), file=out)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
