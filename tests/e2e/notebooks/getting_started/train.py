# A one-line "training" script: the notebook's steps carry no ML work.
from azureml.core import Run

run = Run.get_context()
print("In train.py")
run.log("trained", 1)
