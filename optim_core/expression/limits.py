"""The limits a typed formula must stay within, stated once (GET /api/limits serves them)."""

from __future__ import annotations

MAX_LENGTH = 300  # characters
MAX_DEPTH = 50  # brackets nested, and levels of the parsed tree
MAX_NODES = 500  # parts of the parsed tree
MAX_TOTAL_NODES = 20000  # distinct values for the value and the gradient together
MAX_EXPONENT = 100.0  # size of a constant exponent, so 9**9**9 is refused before anything is computed
MAX_CONSTANT = 1e300  # size of a number or a folded constant
MAX_DOMAIN = 1e6  # |bound| of a typed surface's x and y ranges
# CPU seconds of the preparing thread (time.thread_time), so a busy server refuses no more than an idle one; a
# worst-case 300-character formula takes ~5 ms.
TIME_LIMIT = 0.5
DEFAULT_DOMAIN = ((-3.0, 3.0), (-3.0, 3.0))
