# Modeled on the Azure ML sample notebook "Showcasing DataPath and PipelineParameter"
# (intro-to-pipelines/aml-pipelines-showcasing-datapath-and-pipelineparameter), as a script:
# the notebook's cells in order. A DataPath PipelineParameter bound with
# DataPathComputeBinding and a string PipelineParameter; submitted with the defaults, with
# pipeline_parameters, published and triggered over REST with DataPathAssignments, then a
# datastore-trigger schedule with data_path_parameter_name, disabled. The sample_datapath*
# folders the notebook expects on the default datastore are uploaded first.
import azureml.core
from azureml.core import Workspace, Experiment
from azureml.core.compute import ComputeTarget, AmlCompute
from azureml.data.datapath import DataPath, DataPathComputeBinding
from azureml.widgets import RunDetails

from azureml.pipeline.core import PipelineParameter
from azureml.pipeline.core import Pipeline, PipelineRun
from azureml.pipeline.steps import PythonScriptStep

# Check core SDK version number
print("SDK version:", azureml.core.VERSION)

ws = Workspace.from_config()
print(ws.name, ws.resource_group, ws.location, ws.subscription_id, sep='\n')

# Choose a name for the run history container in the workspace.
experiment_name = 'showcasing-datapath'
source_directory = '.'

experiment = Experiment(ws, experiment_name)
print(experiment)

# Choose a name for your cluster.
amlcompute_cluster_name = "cpu-cluster"

found = False
# Check if this compute target already exists in the workspace.
cts = ws.compute_targets
if amlcompute_cluster_name in cts and cts[amlcompute_cluster_name].type == 'AmlCompute':
    found = True
    print('Found existing compute target.')
    compute_target = cts[amlcompute_cluster_name]

if not found:
    print('Creating a new compute target...')
    provisioning_config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2",  # for GPU, use "STANDARD_NC6"
                                                                # vm_priority = 'lowpriority', # optional
                                                                max_nodes=4)

    # Create the cluster.
    compute_target = ComputeTarget.create(ws, amlcompute_cluster_name, provisioning_config)

    # Can poll for a minimum number of nodes and for a specific timeout.
    # If no min_node_count is provided, it will use the scale settings for the cluster.
    compute_target.wait_for_completion(show_output=True, timeout_in_minutes=10)

def_blob_store = ws.get_default_datastore()
print("Default datastore's name: {}".format(def_blob_store.name))

# (the data the notebook's DataPaths name)
for i in (1, 2, 3):
    def_blob_store.upload_files(["./sample_data/sample%d.txt" % i], target_path="sample_datapath%d" % i,
                                overwrite=True, show_progress=False)

data_path = DataPath(datastore=def_blob_store, path_on_datastore='sample_datapath1')
datapath1_pipeline_param = PipelineParameter(name="input_datapath", default_value=data_path)
datapath_input = (datapath1_pipeline_param, DataPathComputeBinding(mode='mount'))

string_pipeline_param = PipelineParameter(name="input_string", default_value='sample_string1')

train_step = PythonScriptStep(
    name='train_step',
    script_name="train_with_datapath.py",
    arguments=["--arg1", string_pipeline_param, "--arg2", datapath_input],
    inputs=[datapath_input],
    compute_target=compute_target,
    source_directory=source_directory)
print("train_step created")

pipeline = Pipeline(workspace=ws, steps=[train_step])
print("pipeline with the train_step created")

pipeline_run = experiment.submit(pipeline)
print("Pipeline is submitted for execution")

RunDetails(pipeline_run).show()

pipeline_run.wait_for_completion()

pipeline_run_with_params = experiment.submit(pipeline, \
        pipeline_parameters={'input_datapath': DataPath(datastore=def_blob_store, path_on_datastore='sample_datapath2'),
                             'input_string': 'sample_string2'})

RunDetails(pipeline_run_with_params).show()

pipeline_run_with_params.wait_for_completion()

published_pipeline = pipeline.publish(name="DataPath_Pipeline", description="Pipeline to test Datapath", continue_on_step_failure=True)
print(published_pipeline)

from azureml.core.authentication import InteractiveLoginAuthentication
import requests

auth = InteractiveLoginAuthentication()
aad_token = auth.get_authentication_header()

rest_endpoint = published_pipeline.endpoint

print("You can perform HTTP POST on URL {} to trigger this pipeline".format(rest_endpoint))

# specify the param when running the pipeline
response = requests.post(rest_endpoint,
                         headers=aad_token,
                         json={"ExperimentName": "MyRestPipeline",
                               "RunSource": "SDK",
                               "DataPathAssignments": {
                                   "input_datapath": {
                                       "DataStoreName": def_blob_store.name,
                                       "RelativePath": 'sample_datapath3'
                                   }
                               },
                               "ParameterAssignments": {"input_string": "sample_string3"}
                              }
                        )

try:
    response.raise_for_status()
except Exception:
    raise Exception('Received bad response from the endpoint: {}\n'
                    'Response Code: {}\n'
                    'Headers: {}\n'
                    'Content: {}'.format(rest_endpoint, response.status_code, response.headers, response.content))

run_id = response.json().get('Id')
print('Submitted pipeline run: ', run_id)

published_pipeline_run_via_rest = PipelineRun(ws.experiments["MyRestPipeline"], run_id)
RunDetails(published_pipeline_run_via_rest).show()

published_pipeline_run_via_rest.wait_for_completion()

from azureml.pipeline.core import Schedule

schedule = Schedule.create(workspace=ws,
                           name="Datastore_trigger_schedule",
                           pipeline_id=published_pipeline.id,
                           experiment_name='Scheduled_Pipeline',
                           datastore=def_blob_store,
                           wait_for_provisioning=True,
                           description="Datastore trigger schedule demo",
                           path_on_datastore="sample_datapath_for_folder",
                           data_path_parameter_name="input_datapath")  # Same name as used above to create PipelineParameter

print("Created schedule with id: {}".format(schedule.id))

schedule.disable()
print(schedule)

# -- what each run was given (beyond the notebook's cells) -------------------------------
for run in (pipeline_run, pipeline_run_with_params, published_pipeline_run_via_rest):
    for step_run in run.get_steps():
        print("run:", run.experiment.name, step_run.get_status(),
              [l for l in step_run.get_stdout_log().splitlines() if l.startswith(("Sample string", "data:"))])
