# Logging from a notebook without a script, as Azure ML's logging notebooks do it:
# experiment.start_logging(), run.log..., run.complete(); a `with` block; and one run left
# open when the process ends.
import sys

from azureml.core import Experiment, Workspace

ws = Workspace.from_config()
exp = Experiment(workspace=ws, name="interactive-logging")
run = exp.start_logging(snapshot_directory=None)
print("started:", run.get_status())
for i, loss in enumerate([0.9, 0.5, 0.3]):
    run.log("loss", loss)
run.log("alpha", 0.03)
run.log_row("scores", epoch=1, f1=0.8)
run.tag("source", "notebook")
print("metrics while running:", sorted(run.get_metrics()))
run.complete()
print("after complete:", run.get_status())
print("loss series:", run.get_metrics()["loss"])

with exp.start_logging(display_name="in-a-block") as r2:
    r2.log("beta", 2)
print("block:", r2.get_status())

try:
    with exp.start_logging(display_name="raises") as r3:
        r3.log("gamma", 1)
        raise ValueError("bad data")
except ValueError:
    pass
print("raised:", r3.get_status())

left = exp.start_logging(display_name="left-open")
left.log("delta", 4)
print("leaving one open")
sys.stdout.flush()
