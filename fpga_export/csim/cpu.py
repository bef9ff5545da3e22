"""CPU-specific code generation for the csim library: ``-march=native`` with the CPU's
identity in the cache key.

A library built with ``-march=native`` may use instructions (AVX2, AVX-512 ...) that another
CPU lacks, so the CPU's model and feature flags are hashed with the sources: a cache shared by
different machines (a home folder on a cluster) holds one library per CPU kind. Portable
fallback: ``FPGA_EXPORT_CSIM_PORTABLE=1``, or a compiler that does not accept the flag, builds
for the compiler's default target (as before).
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess

NATIVE = "-march=native"


@functools.cache
def cpu_identity() -> str:
    """Model and feature flags of this CPU (Linux: /proc/cpuinfo's first processor)."""
    keys = ("vendor_id", "model name", "cpu family", "model", "flags", "features", "cpu part")
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read().split("\n\n")[0]
    except OSError:
        text = ""
    found = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in keys:
            found.append(f"{key.strip()}={' '.join(sorted(value.split()))}")
    if not found:
        found = [platform.machine(), platform.processor(), platform.platform()]
    return "\n".join(found)


@functools.lru_cache(maxsize=8)
def _accepts_native(compiler: tuple[str, ...]) -> bool:
    try:
        proc = subprocess.run(
            [*compiler, NATIVE, "-x", "c++", "-E", "-o", os.devnull, os.devnull],
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def native_flags(compiler: list[str]) -> tuple[list[str], str]:
    """(flags, identity): ``-march=native`` and this CPU's identity for the cache key, or no
    flags and an empty identity (portable build)."""
    if os.environ.get("FPGA_EXPORT_CSIM_PORTABLE", "") not in ("", "0"):
        return [], ""
    if not _accepts_native(tuple(compiler)):
        return [], ""
    return [NATIVE], cpu_identity()
