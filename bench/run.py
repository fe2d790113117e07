"""Run every benchmark module ``bench/bench_*.py`` and print one table.

Each module exposes ``run() -> list[dict]`` with keys name, value, unit,
baseline, ratio (baseline and ratio may be None); the figures also go to
``bench/results.json``. ``python bench/run.py [substring]`` runs a subset.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))


def main(argv: list[str]) -> int:
    wanted = argv[1] if len(argv) > 1 else ""
    rows: list[dict] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if wanted not in path.stem:
            continue
        spec = importlib.util.spec_from_file_location(f"bench.{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        t0 = time.perf_counter()
        print(f"# {path.stem} ...", file=sys.stderr, flush=True)
        got = module.run()
        for row in got:
            row.setdefault("baseline", None)
            row.setdefault("ratio", None)
            row["group"] = path.stem.removeprefix("bench_")
        rows.extend(got)
        print(f"# {path.stem}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print(f"{'benchmark':58s} {'value':>12s} {'unit':6s} {'baseline':>12s} {'ratio':>8s}")
    for r in rows:
        base = "" if r["baseline"] is None else f"{r['baseline']:.4g}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.3g}"
        print(f"{r['name'][:58]:58s} {r['value']:12.4g} {r['unit']:6s} {base:>12s} {ratio:>8s}")
    out = HERE / "results.json"
    out.write_text(json.dumps(rows, indent=1))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
