from azureml.core import Run

run = Run.get_context()
print("In extract.py")
run.log("extracted", 1)
