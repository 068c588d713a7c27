"""runnel's step-side runtime: what a step's Python script imports.

    from runnel import Run
    run = Run.get_context()
    run.log("accuracy", 0.93)

Standard library only. See python/README.md for the run context file that runnel hands
a step and the metrics file the step writes back.
"""

from .context import RunContextError
from .run import Run
from .workspace import Datastore, Experiment, Workspace

__all__ = ["Run", "RunContextError", "Workspace", "Datastore", "Experiment"]
__version__ = "0.1.0"
