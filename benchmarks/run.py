"""assetctl benchmarks: each measurement beside its floor, measured in the same run.

    .venv/bin/python benchmarks/run.py            # SQLite (the default database)
    .venv/bin/python benchmarks/run.py --postgres # also PostgreSQL (127.0.0.1:5432/test)

Prints a Markdown table (paste it into README.md). Machines here are noisy: read the ratio to
the floor, not the absolute time. Timings are medians of interleaved runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.deploy import bench_deploy, image_sizes  # noqa: E402
from benchmarks.harness import Row, print_table  # noqa: E402
from benchmarks.machines import bench_discover, bench_overwrite  # noqa: E402
from benchmarks.registry import (  # noqa: E402
    bench_import,
    bench_labels,
    bench_list,
    bench_scan,
    bench_startup,
)
from benchmarks.reports import bench_programme  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--runs", type=int, default=11, help="runs of the quick benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument(
        "--only",
        choices=["reports", "listings", "images"],
        help="run only this group of benchmarks",
    )
    parser.add_argument(
        "--family-images",
        type=Path,
        help="a folder of family images (assetctl image build famille-...) to deploy too, "
        "and whose sizes to print",
    )
    args = parser.parse_args()
    import_rows, list_rows = (1_000, 5_000) if args.quick else (10_000, 100_000)
    label_count = 100 if args.quick else 1_000
    backends = ["sqlite", "postgres"] if args.postgres else ["sqlite"]
    rows: list[Row] = []
    report_sizes = (10_000, 100_000, 2_000) if args.quick else (100_000, 1_000_000, 20_000)
    with tempfile.TemporaryDirectory(prefix="assetctl-bench-") as tmp:
        work = Path(tmp)
        if args.only == "images":
            print("benchmark: deploy ...", file=sys.stderr)
            rows += bench_deploy(work, 3, args.family_images)
            print_table(rows)
            if args.family_images:
                print("\n" + "\n".join(image_sizes(args.family_images)))
            return
        if args.only in ("reports", "listings"):
            for kind in backends:
                print(f"benchmark: {args.only} on {kind} ...", file=sys.stderr)
                rows += bench_programme(work, kind, *report_sizes, args.runs, (args.only,))
            print_table(rows)
            return
        print("benchmark: start-up ...", file=sys.stderr)
        rows.append(bench_startup(work, args.runs))
        print("benchmark: overwrite ...", file=sys.stderr)
        rows += bench_overwrite(work, 64 if args.quick else 1024, 3)
        print("benchmark: discover ...", file=sys.stderr)
        discovered = bench_discover(work, 10, 5)
        if discovered:
            rows.append(discovered)
        print("benchmark: deploy ...", file=sys.stderr)
        rows += bench_deploy(work, 3, args.family_images)
        print("benchmark: labels ...", file=sys.stderr)
        rows.append(bench_labels(work, label_count, 3))
        for kind in backends:
            print(f"benchmark: scan on {kind} ...", file=sys.stderr)
            rows.append(bench_scan(work, kind, list_rows, 1_000))
            print(f"benchmark: import on {kind} ...", file=sys.stderr)
            rows.append(bench_import(work, kind, import_rows, 3))
            print(f"benchmark: list on {kind} ...", file=sys.stderr)
            rows.append(bench_list(work, kind, list_rows, 5))
            print(f"benchmark: reports and listings on {kind} ...", file=sys.stderr)
            rows += bench_programme(work, kind, *report_sizes, args.runs)
    print_table(rows)


if __name__ == "__main__":
    main()
