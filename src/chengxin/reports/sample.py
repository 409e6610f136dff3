"""Moved to ``chengxin.demo.sample_report`` (issue 21): a domain does not import the demo.

A re-export for the callers not updated yet (the CLI's ``report sample``, tests/reports); the
lead removes this module once they import ``chengxin.demo.sample_report``.
"""

from __future__ import annotations

from chengxin.demo.sample_report import (  # moved (issue 21)
    SAMPLE_SEED,
    sample_code,
    sample_number,
    sample_report,
)

__all__ = ["SAMPLE_SEED", "sample_code", "sample_number", "sample_report"]
