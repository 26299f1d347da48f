"""Run every benchmark, or those named: `python -m bench verify startup`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(names: list[str]) -> int:
    package_dir = Path(__file__).parent
    available = sorted(
        m.name for m in pkgutil.iter_modules([str(package_dir)]) if not m.name.startswith("_")
    )
    chosen = names or available
    unknown = [n for n in chosen if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name}: {(module.__doc__ or '').strip().splitlines()[0]}")
        print(f"    command: .venv/bin/python -m bench {name}")
        started = time.perf_counter()
        module.run()
        print(f"    ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
