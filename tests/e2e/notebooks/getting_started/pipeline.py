# Modeled on the Azure ML sample notebook "Azure Machine Learning Pipelines: Getting
# Started" (intro-to-pipelines), as a script: datastores by name, uploads to both, an
# AmlCompute found or created, three PythonScriptSteps run in parallel and then chained
# with run_after, validate(), RunDetails and the step runs' statuses. Only cloud-only
# lines are left out (none here: Workspace.from_config() reads the local workspace).
import azureml.core
from azureml.core import Workspace, Experiment, Datastore
from azureml.core.compute import AmlCompute
from azureml.core.compute import ComputeTarget
from azureml.widgets import RunDetails

print("SDK version:", azureml.core.VERSION)

from azureml.pipeline.core import Pipeline
from azureml.pipeline.steps import PythonScriptStep

print("Pipeline SDK-specific imports completed")

ws = Workspace.from_config()
print(ws.name, ws.resource_group, ws.location, ws.subscription_id, sep='\n')

file_store = ws.get_default_datastore()
print("Default datastore's name: {}".format(file_store.name))
blob_store = Datastore(ws, "workspaceblobstore")
print("Blobstore's name: {}".format(blob_store.name))

project_folder = '.'
print('Sample projects will be created in {}.'.format(project_folder))

file_store.upload_files(['./20news.pkl'], target_path='20newsgroups', overwrite=True,
                        show_progress=True)
blob_store.upload_files(["./20news.pkl"], target_path="20newsgroups", overwrite=True)
print("Upload calls completed")

for ct in ws.compute_targets:
    print("compute target:", ct)

from azureml.core.compute_target import ComputeTargetException

cluster_name = "aml-compute"
try:
    aml_compute = AmlCompute(ws, cluster_name)
    print("found existing compute target.")
except ComputeTargetException:
    print("creating new compute target")
    config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2", min_nodes=1, max_nodes=4)
    aml_compute = ComputeTarget.create(ws, cluster_name, config)
    aml_compute.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)
print("Azure Machine Learning Compute attached")
print(aml_compute.get_status().serialize()["provisioningState"])

step1 = PythonScriptStep(name="train_step", script_name="train.py", compute_target=aml_compute,
                         source_directory=project_folder, allow_reuse=False)
print("Step1 created")
step2 = PythonScriptStep(name="compare_step", script_name="compare.py", compute_target=aml_compute,
                         source_directory=project_folder)
step3 = PythonScriptStep(name="extract_step", script_name="extract.py", compute_target=aml_compute,
                         source_directory=project_folder)
steps = [step1, step2, step3]
print("Step lists created")

pipeline1 = Pipeline(workspace=ws, steps=steps)
print("Pipeline is built")
pipeline1.validate()
print("Pipeline validation complete")

pipeline_run1 = Experiment(ws, 'Hello_World1').submit(pipeline1, regenerate_outputs=True)
print("Pipeline is submitted for execution")
RunDetails(pipeline_run1).show()

for step_run in pipeline_run1.get_children():
    status = step_run.get_status()
    print('Script:', step_run.name, 'status:', status)
    if status == "Failed":
        print('job log:', step_run.get_job_log())

pipeline_run1.wait_for_completion()
for step_run in pipeline_run1.get_children():
    print("{}: {}".format(step_run.name, step_run.get_metrics()))

step2.run_after(step1)
step3.run_after(step2)
pipeline2 = Pipeline(workspace=ws, steps=[step3])
print("Pipeline is built")
pipeline2.validate()
print("Simple validation complete")

pipeline_run2 = Experiment(ws, 'Hello_World2').submit(pipeline2)
print("Pipeline is submitted for execution")
RunDetails(pipeline_run2).show()
pipeline_run2.wait_for_completion(show_output=True)
for step_run in pipeline_run2.get_children():
    print("run2", step_run.name, step_run.get_status())
