from azureml.core import Run

run = Run.get_context()
print("In compare.py")
run.log("compared", 1)
