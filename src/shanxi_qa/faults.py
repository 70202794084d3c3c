"""Fault points: named moments where a test stops a real child process (kill -9, SIGTERM)."""

from __future__ import annotations

import os
import signal


def fault_point(name: str) -> None:
    """Where ``SHANXI_QA_KILL_AT`` names this point, the process sends itself the signal in
    ``SHANXI_QA_KILL_SIGNAL`` (default SIGKILL): how the tests stop a change at a known
    moment in a real child process."""
    if os.environ.get("SHANXI_QA_KILL_AT") != name:
        return
    number = getattr(signal, os.environ.get("SHANXI_QA_KILL_SIGNAL", "SIGKILL"))
    os.kill(os.getpid(), number)
