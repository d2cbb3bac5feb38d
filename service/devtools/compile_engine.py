"""Compile the schedule engine's hot modules to C with mypyc when a C compiler is available.

The engine is plain, fully typed Python; mypyc turns its integer loops into C and makes quotes
about 40 % faster (tests/perf/bench_engine.py). Python prefers a compiled module to the source
beside it, so a stale build would shadow an edited source: the build records the sources' hash,
is redone whenever they change, and a test fails if the two ever disagree. Without a compiler the
pure-Python engine runs unchanged (same results, lower speed).

Run: ``python -m service.devtools.compile_engine`` (``make run``, ``make test`` and ``make bench`` do).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "domain" / "schedules"
MODULES = ("engine.py", "_exact.py", "apr.py", "calendar.py")
STAMP = PACKAGE / ".compiled-sources.sha256"


def sources_hash() -> str:
    digest = hashlib.sha256()
    for name in MODULES:
        digest.update(name.encode())
        digest.update((PACKAGE / name).read_bytes())
    return digest.hexdigest()


def compiled_files() -> list[Path]:
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return [p for p in PACKAGE.iterdir() if p.name.endswith(suffixes)] + [
        p for p in ROOT.iterdir() if p.name.endswith(suffixes) and "__mypyc" in p.name
    ]


def remove_build() -> None:
    for path in compiled_files():
        path.unlink()
    STAMP.unlink(missing_ok=True)


def main() -> int:
    wanted = sources_hash()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and compiled_files():
        print("schedule engine: compiled build is up to date")
        return 0
    remove_build()
    if not (shutil.which("cc") or shutil.which("gcc")):
        print("schedule engine: no C compiler found, using the pure-Python engine")
        return 0
    # Build in a scratch folder: setuptools, which mypyc drives, would trip over this project's layout.
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(ROOT / "domain", Path(scratch) / "domain", ignore=shutil.ignore_patterns("__pycache__"))
        command = [sys.executable, "-m", "mypyc", *(str(Path("domain/schedules") / m) for m in MODULES)]
        result = subprocess.run(command, cwd=scratch, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(
                "schedule engine: mypyc failed, using the pure-Python engine\n"
                + result.stdout[-2000:]
                + result.stderr[-2000:]
            )
            return 0
        suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
        for built in (Path(scratch) / "domain" / "schedules").iterdir():
            if built.name.endswith(suffixes):
                shutil.copy2(built, PACKAGE / built.name)
        for built in Path(scratch).iterdir():  # mypyc's shared runtime library, a top-level module
            if built.name.endswith(suffixes):
                shutil.copy2(built, ROOT / built.name)
    STAMP.write_text(wanted + "\n")
    print("schedule engine: compiled with mypyc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
