# Modeled on the Azure ML sample notebook "How to use EstimatorStep in AML Pipeline"
# (intro-to-pipelines), as a script: the workspace's default CPU compute, a DataReference
# input and a PipelineData output, an Estimator with conda packages, an EstimatorStep with
# entry-script arguments, submitted and shown with RunDetails.
import azureml.core
print("Azure ML SDK Version: ", azureml.core.VERSION)

from azureml.core import Workspace
ws = Workspace.from_config()
print('Workspace name: ' + ws.name, 'Azure region: ' + ws.location, 'Subscription id: ' + ws.subscription_id,
      'Resource group: ' + ws.resource_group, sep='\n')

cpu_cluster = ws.get_default_compute_target("CPU")
print(cpu_cluster.get_status().serialize())

from azureml.core import Datastore
from azureml.data.data_reference import DataReference
from azureml.pipeline.core import PipelineData

def_blob_store = Datastore(ws, "workspaceblobstore")
def_blob_store.upload_files(["./20news.pkl"], target_path="20newsgroups", overwrite=True)  # the data the notebook expects
input_data = DataReference(datastore=def_blob_store, data_reference_name="input_data",
                           path_on_datastore="20newsgroups/20news.pkl")
output = PipelineData("output", datastore=def_blob_store)

from azureml.train.estimator import Estimator
est = Estimator(source_directory='.', compute_target=cpu_cluster, entry_script='dummy_train.py',
                conda_packages=['scikit-learn'])

from azureml.pipeline.steps import EstimatorStep
est_step = EstimatorStep(name="Estimator_Train", estimator=est,
                         estimator_entry_script_arguments=["--datadir", input_data, "--output", output],
                         runconfig_pipeline_params=None, inputs=[input_data], outputs=[output],
                         compute_target=cpu_cluster)

from azureml.pipeline.core import Pipeline
from azureml.core import Experiment
pipeline = Pipeline(workspace=ws, steps=[est_step])
pipeline_run = Experiment(ws, 'Estimator_sample').submit(pipeline)

from azureml.widgets import RunDetails
RunDetails(pipeline_run).show()

step = pipeline_run.find_step_run("Estimator_Train")[0]
out = step.get_output_data("output")
print("status:", step.get_status(), "output:", sorted(__import__("os").listdir(out.path)))
