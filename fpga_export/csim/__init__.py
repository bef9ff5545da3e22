"""csim: compile a project into a shared library and run it from Python."""

from .build import CompileError, CompilerNotFoundError, build_library, cache_dir
from .runtime import CSimLibrary, CSimRuntimeError

__all__ = [
    "CSimLibrary",
    "CSimRuntimeError",
    "CompileError",
    "CompilerNotFoundError",
    "build_library",
    "cache_dir",
]
