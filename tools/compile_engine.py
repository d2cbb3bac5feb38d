"""Compile the schedule engine's hot modules to C with mypyc when a C compiler is available.

The engine is plain, fully typed Python; mypyc turns its integer loops into C and makes quotes
about 40 % faster (tests/perf/bench_engine.py). The build goes to ``build/mypyc/``, outside the
sources; ``domain/schedules/__init__.py`` puts it first on the package's path when it exists, so a
stale build would shadow an edited source: the build records the sources' hash, is redone whenever
they change, and a test fails if the two ever disagree. Without a compiler the pure-Python engine
runs unchanged (same results, lower speed).

Run: ``python -m tools.compile_engine`` (``make run``, ``make test`` and ``make bench`` do).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "domain" / "schedules"
MODULES = ("engine.py", "_exact.py", "apr.py", "calendar.py")
BUILD = ROOT / "build" / "mypyc"  # the compiled modules in domain/schedules/, mypyc's runtime beside it
COMPILED = BUILD / "domain" / "schedules"
STAMP = BUILD / ".compiled-sources.sha256"


def sources_hash() -> str:
    digest = hashlib.sha256()
    for name in MODULES:
        digest.update(name.encode())
        digest.update((PACKAGE / name).read_bytes())
    return digest.hexdigest()


def _extensions(folder: Path) -> list[Path]:
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return [p for p in folder.iterdir() if p.name.endswith(suffixes)] if folder.is_dir() else []


def compiled_files() -> list[Path]:
    return _extensions(COMPILED) + _extensions(BUILD)


def remove_build() -> None:
    for path in compiled_files():
        path.unlink()
    STAMP.unlink(missing_ok=True)


def remove_builds_in_the_sources() -> None:
    """Builds of the earlier layout, beside the sources: they would shadow them for good."""
    for path in _extensions(PACKAGE) + [p for p in _extensions(ROOT) if "__mypyc" in p.name]:
        path.unlink()
    (PACKAGE / ".compiled-sources.sha256").unlink(missing_ok=True)


def main() -> int:
    remove_builds_in_the_sources()
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
        COMPILED.mkdir(parents=True, exist_ok=True)
        for built in _extensions(Path(scratch) / "domain" / "schedules"):
            shutil.copy2(built, COMPILED / built.name)
        for built in _extensions(Path(scratch)):  # mypyc's shared runtime library, a top-level module
            shutil.copy2(built, BUILD / built.name)
    STAMP.write_text(wanted + "\n")
    print("schedule engine: compiled with mypyc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
