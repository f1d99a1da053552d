"""``yinqi compare A [B]``: per-KPI deltas of two runs or sweeps, or of the two modes of one."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

HELP = "compare two runs or sweeps per KPI (paired-by-seed CIs), or the two modes of one"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``yinqi compare``."""
    parser.add_argument("a", type=Path, help="run directory or sweep folder (sweep.parquet)")
    parser.add_argument(
        "b", type=Path, nargs="?", help="second run or sweep; without it: innovated vs traditional"
    )
    parser.add_argument("--only", help="show only KPIs whose name contains this text")
    parser.add_argument(
        "--out", type=Path, help="folder for compare.csv and compare.png (default: runs/compare-…)"
    )


def run(args: argparse.Namespace) -> int:
    """Print the table, write the CSV and the figure; exit 0 (bad input raises → exit 2)."""
    from sim.compare import compare, compare_modes, format_table, load_side, write_outputs

    a = load_side(args.a, "A")
    if args.b is None:
        comparison = compare_modes(a)
        default = Path("runs") / f"compare-{args.a.name}-modes"
    else:
        comparison = compare(a, load_side(args.b, "B"))
        default = Path("runs") / f"compare-{args.a.name}-vs-{args.b.name}"
    if args.only:
        table = comparison.table
        shown = table[table["kpi"].str.contains(args.only, regex=False)].reset_index(drop=True)
        comparison = replace(comparison, table=shown)
    csv_path, png_path = write_outputs(comparison, args.out or default)
    print(format_table(comparison))
    print(
        f"{len(comparison.table)} KPIs; delta = {comparison.label_b} − {comparison.label_a}; "
        f"* = interval excludes 0; {comparison.note}"
    )
    if args.b is not None:
        print(f"A = {args.a}\nB = {args.b}")
    print(f"table: {csv_path}\nfigure: {png_path}")
    return 0
