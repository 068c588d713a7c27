# Modeled on the Azure ML sample notebook "How to Use Pipeline Drafts"
# (intro-to-pipelines), as a script: a one-step pipeline made into a PipelineDraft with
# tags and properties, listed by tag, fetched by id, updated with a new pipeline, submitted
# and published. Nothing cloud-only is left out.
import azureml.core
from azureml.core import Workspace
from azureml.core import Run, Experiment, Datastore
from azureml.widgets import RunDetails

print("SDK version:", azureml.core.VERSION)
ws = Workspace.from_config()
print(ws.name, ws.resource_group, ws.location, ws.subscription_id, sep='\n')

from azureml.core.compute import AmlCompute, ComputeTarget
cluster = "cpu-cluster"
try:
    aml_compute = AmlCompute(ws, cluster)
    print("Found existing compute target: {}".format(cluster))
except:
    print("Creating new compute target: {}".format(cluster))
    config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2", min_nodes=1, max_nodes=4)
    aml_compute = ComputeTarget.create(ws, cluster, config)
    aml_compute.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)

from azureml.pipeline.core import Pipeline
from azureml.pipeline.steps import PythonScriptStep

source_directory = "publish_run_train"
train_step = PythonScriptStep(name="Training_Step", script_name="train.py", compute_target=cluster,
                              source_directory=source_directory)
print("train step created")
pipeline = Pipeline(workspace=ws, steps=[train_step])
print("Pipeline is built")

from azureml.pipeline.core import PipelineDraft

pipeline_draft = PipelineDraft.create(ws, name="TestPipelineDraft", description="draft description",
                                      experiment_name="helloworld", pipeline=pipeline,
                                      continue_on_step_failure=True, tags={'dev': 'true'},
                                      properties={'train': 'value'})
created_id = pipeline_draft.id

for draft in PipelineDraft.list(ws, tags={'dev': 'true'}):
    print(draft)

pipeline_draft = PipelineDraft.get(ws, id=created_id)
print("draft properties:", pipeline_draft.properties)

new_train_step = PythonScriptStep(name="New_Training_Step", script_name="train.py",
                                  compute_target=cluster, source_directory=source_directory)
new_pipeline = Pipeline(workspace=ws, steps=[new_train_step])
pipeline_draft.update(name="UpdatedPipelineDraft", description="has updated train step", pipeline=new_pipeline)
print("updated:", pipeline_draft.name, pipeline_draft.description)

pipeline_run = pipeline_draft.submit_run()
print(pipeline_run)
pipeline_run.wait_for_completion()
print("draft run steps:", [(s.name, s.get_status()) for s in pipeline_run.get_steps()])
print("last submitted:", pipeline_draft.last_submitted_pipeline_run_id == pipeline_run.id)

published_pipeline = pipeline_draft.publish()
print(published_pipeline)
print("published name:", published_pipeline.name, "steps:", published_pipeline.get_step_names())

# Beyond the notebook: the published pipeline runs too (here: in this process, as no
# `runnel serve` answers), and reuses the draft run's step.
again = published_pipeline.submit(ws, "helloworld")
again.wait_for_completion(show_output=False)
print("published run:", [(s.name, s.get_status(), s.get_details()["properties"].get("azureml.reusedrunid") is not None)
                         for s in again.get_steps()])
