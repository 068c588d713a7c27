# Modeled on the Azure ML sample notebook "Azure Machine Learning Pipelines with Data
# Dependency" (intro-to-pipelines/aml-pipelines-with-data-dependency-steps), as a script:
# the notebook's cells in order (a DataReference to a file, PipelineData between three
# PythonScriptSteps, a RunConfiguration with Docker and conda packages, a DataPath
# PipelineParameter with DataPathComputeBinding, the pipeline built from its last step),
# then, as a user goes on: wait for the run, look at the step runs, and submit again with
# another DataPath and with a changed compare step (the same PipelineData). The data the
# notebook expects on the blob store (20newsgroups/20news.pkl) is uploaded first.
import azureml.core
from azureml.core import Workspace, Experiment, Datastore
from azureml.core.compute import AmlCompute
from azureml.core.compute import ComputeTarget
from azureml.widgets import RunDetails

# Check core SDK version number
print("SDK version:", azureml.core.VERSION)

from azureml.data.data_reference import DataReference
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import PythonScriptStep
print("Pipeline SDK-specific imports completed")

ws = Workspace.from_config()
print(ws.name, ws.resource_group, ws.location, ws.subscription_id, sep='\n')

# Default datastore (Azure file storage)
def_file_store = ws.get_default_datastore()
print("Default datastore's name: {}".format(def_file_store.name))

def_blob_store = Datastore(ws, "workspaceblobstore")
print("Blobstore's name: {}".format(def_blob_store.name))

# (the notebook's data, put where it expects it)
def_blob_store.upload_files(["./20news.pkl"], target_path="20newsgroups", overwrite=True)
def_blob_store.upload_files(["./20news.pkl"], target_path="20newsgroups-copy", overwrite=True)

# source directory
source_directory = '.'
print('Sample scripts will be created in {} directory.'.format(source_directory))

cts = ws.compute_targets
for ct in cts:
    print(ct)

aml_compute = ws.get_default_compute_target("CPU")
print("compute:", aml_compute.name, type(aml_compute).__name__)

blob_input_data = DataReference(
    datastore=def_blob_store,
    data_reference_name="test_data",
    path_on_datastore="20newsgroups/20news.pkl")
print("DataReference object created")

processed_data1 = PipelineData("processed_data1", datastore=def_blob_store)
print("PipelineData object created")

from azureml.core.runconfig import RunConfiguration
from azureml.core.conda_dependencies import CondaDependencies
from azureml.core.runconfig import DEFAULT_CPU_IMAGE

# create a new runconfig object
run_config = RunConfiguration()

# enable Docker
run_config.environment.docker.enabled = True

# set Docker base image to the default CPU-based image
run_config.environment.docker.base_image = DEFAULT_CPU_IMAGE

# use conda_dependencies.yml to create a conda environment in the Docker image for execution
run_config.environment.python.user_managed_dependencies = False

# specify CondaDependencies obj
run_config.environment.python.conda_dependencies = CondaDependencies.create(conda_packages=['scikit-learn'])

trainStep = PythonScriptStep(
    script_name="train.py",
    arguments=["--input_data", blob_input_data, "--output_train", processed_data1],
    inputs=[blob_input_data],
    outputs=[processed_data1],
    compute_target=aml_compute,
    source_directory=source_directory,
    runconfig=run_config
)
print("trainStep created")

processed_data2 = PipelineData("processed_data2", datastore=def_blob_store)

extractStep = PythonScriptStep(
    script_name="extract.py",
    arguments=["--input_extract", processed_data1, "--output_extract", processed_data2],
    inputs=[processed_data1],
    outputs=[processed_data2],
    compute_target=aml_compute,
    source_directory=source_directory)
print("extractStep created")

from azureml.pipeline.core import PipelineParameter
from azureml.data.datapath import DataPath, DataPathComputeBinding

datapath = DataPath(datastore=def_blob_store, path_on_datastore='20newsgroups/20news.pkl')
datapath_param = PipelineParameter(name="compare_data", default_value=datapath)
data_parameter1 = (datapath_param, DataPathComputeBinding(mode='mount'))

processed_data3 = PipelineData("processed_data3", datastore=def_blob_store)

compareStep = PythonScriptStep(
    script_name="compare.py",
    arguments=["--compare_data1", data_parameter1, "--compare_data2", processed_data2,
               "--output_compare", processed_data3],
    inputs=[data_parameter1, processed_data2],
    outputs=[processed_data3],
    compute_target=aml_compute,
    source_directory=source_directory)
print("compareStep created")

pipeline1 = Pipeline(workspace=ws, steps=[compareStep])
print("Pipeline is built")

pipeline_run1 = Experiment(ws, 'Data_dependency').submit(pipeline1)
print("Pipeline is submitted for execution")

RunDetails(pipeline_run1).show()

# -- beyond the notebook's last cell: what a user does next ------------------------------
pipeline_run1.wait_for_completion(show_output=False)
for step_run in pipeline_run1.get_steps():
    print("step:", step_run.name, step_run.get_status())
compare_run = pipeline_run1.find_step_run("compare.py")[0]
print("compare output:", open(compare_run.get_output_data("processed_data3").path + "/compare.txt").read().strip())

# The DataPath parameter at submit: only the compare step runs again.
pipeline_run2 = Experiment(ws, 'Data_dependency').submit(
    pipeline1, pipeline_parameters={"compare_data": DataPath(datastore=def_blob_store,
                                                             path_on_datastore='20newsgroups-copy/20news.pkl')})
pipeline_run2.wait_for_completion(show_output=False)
print("run 2:", sorted((s.name, s.get_status(), s.reused) for s in pipeline_run2.get_steps()))

# The trainStep cell run again (its PipelineData, processed_data1, is made in an earlier
# cell and stays the same object), then the pipeline built again from the compare step.
trainStep = PythonScriptStep(
    script_name="train.py",
    arguments=["--input_data", blob_input_data, "--output_train", processed_data1],
    inputs=[blob_input_data],
    outputs=[processed_data1],
    compute_target=aml_compute,
    source_directory=source_directory,
    runconfig=run_config
)
pipeline_run3 = Experiment(ws, 'Data_dependency').submit(Pipeline(workspace=ws, steps=[compareStep]))
pipeline_run3.wait_for_completion(show_output=False)
print("run 3:", sorted((s.name, s.get_status(), s.reused) for s in pipeline_run3.get_steps()))
