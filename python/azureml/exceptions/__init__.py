"""azureml.exceptions: the SDK's exception classes (runnel/exceptions.py)."""
from runnel.exceptions import *  # noqa: F401,F403
from runnel.exceptions import __all__  # noqa: F401
