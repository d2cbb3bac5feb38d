"""`make bench`: every benchmark in this folder, one after the other (each prints its own figures)."""

import runpy
import sys

for module in ("tests.perf.bench_engine", "tests.perf.bench_api", "tests.perf.bench_mixed"):
    print(f"\n== {module}", flush=True)
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__")
