"""Loads the native module `runnel._runnel` on first use, with an error that says how to
build it when it is missing."""

_module = None


def native():
    """The `runnel._runnel` extension module. Raises ImportError naming the build command."""
    global _module
    if _module is None:
        try:
            from runnel import _runnel  # noqa: PLC0415 (built by CMake next to this package)
        except ImportError as e:
            raise ImportError(
                "runnel's native module (runnel/_runnel*.so) is not built or does not match this "
                "Python (%s): build it with `make build` (CMake target runnel_python), or install "
                "the package with `pip install --no-build-isolation ./python` after building"
                % e) from e
        _module = _runnel
    return _module


def errors():
    """The native exception classes (RunnelError and its subclasses)."""
    return native()
