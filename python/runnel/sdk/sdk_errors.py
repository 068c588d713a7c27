"""The exception classes the SDK side raises where the Azure ML SDK raises one of its own:
each is the SDK's class (azureml.exceptions) and also the native runnel error it replaced
(runnel.errors.NotFoundError, RunnelError, ...), so both `except ProjectSystemException`
(what scripts written for Azure ML catch) and `except runnel.errors.NotFoundError` /
`except LookupError` (what runnel's own callers catch) keep working.

    raise sdk_error(UserErrorException)("Cannot find dataset registered with name ...")

Classes are made once per (SDK class, native class) pair and cached; not synchronized
(making the same class twice under a race is harmless: either one is used).
"""

from ._native import native

_made = {}


def sdk_error(sdk_class, native_name="NotFoundError"):
    """The class deriving from `sdk_class` (an azureml.exceptions class) and from the native
    error called `native_name`; it reports itself as azureml.exceptions.<sdk class name>."""
    key = (sdk_class, native_name)
    cls = _made.get(key)
    if cls is None:
        cls = type(sdk_class.__name__, (sdk_class, getattr(native(), native_name)),
                   {"__module__": "azureml.exceptions", "__doc__": sdk_class.__doc__})
        _made[key] = cls
    return cls
