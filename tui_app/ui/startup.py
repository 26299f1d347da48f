"""Garbage collection paused while `agentkeys` starts (issue 3, Speed).

Importing Textual and building the first frame allocate hundreds of thousands of
objects that all live for the whole run; the cyclic collector's full scans during that
phase find nothing and cost ~10% of the start-up. The command line pauses it before the
heavy imports; the app resumes it when the first keys are shown (or after a few seconds
in any case). Reference counting still frees everything that is not in a cycle.

Resuming freezes what exists by then (gc.freeze): modules, classes, widgets, styles.
Otherwise the first collection after gc.enable() would scan every object allocated
during the start-up at once, a pause of tens of milliseconds right when the rows are
being painted.
"""

from __future__ import annotations

import gc

_paused = False


def pause_gc() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_gc() -> None:
    """Idempotent; does nothing when pause_gc() did not pause it (tests, screenshots)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
