# Modeled on the Azure ML sample notebook "How to Setup a Schedule for a Published
# Pipeline" (intro-to-pipelines), as a script: publish a one-step pipeline, find it with
# PublishedPipeline.get_all, create a recurrence schedule, list/get/disable/enable/update
# it, then a datastore (data-change) schedule. Schedules are kept by the workspace's
# server (`runnel serve`), as Azure ML keeps them in the service.
import azureml.core
from azureml.core import Workspace

print("SDK version:", azureml.core.VERSION)
ws = Workspace.from_config()
print(ws.name, ws.resource_group, ws.location, ws.subscription_id, sep='\n')

from azureml.core import Run, Experiment, Datastore
from azureml.widgets import RunDetails

from azureml.core.compute import AmlCompute, ComputeTarget
cluster = "aml-compute"
try:
    aml_compute = AmlCompute(ws, cluster)
    print("Found existing compute target: {}".format(cluster))
except:
    print("Creating new compute target: {}".format(cluster))
    config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2", min_nodes=1, max_nodes=4)
    aml_compute = ComputeTarget.create(ws, cluster, config)
    aml_compute.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)

from azureml.pipeline.steps import PythonScriptStep
train = PythonScriptStep(name="Training_Step", script_name="train.py", compute_target=cluster,
                         source_directory='.')
print("TrainStep created")

from azureml.pipeline.core import Pipeline
pipeline1 = Pipeline(workspace=ws, steps=[train])
print("Pipeline is built")

from datetime import datetime
pipeline_name = datetime.now().strftime('%m-%d-%Y-%H-%M') + "-Pipeline"
print(pipeline_name)
published = pipeline1.publish(name=pipeline_name, description=pipeline_name)
print("Newly published pipeline id: {}".format(published.id))

from azureml.pipeline.core import PublishedPipeline
print("Published pipelines found in the workspace:")
for pub in PublishedPipeline.get_all(ws):
    print(pub.id)
    pub_pipeline_id = pub.id
print("Published pipeline id to be used for Schedule operations: {}".format(pub_pipeline_id))

from azureml.pipeline.core.schedule import ScheduleRecurrence, Schedule

recurrence = ScheduleRecurrence(frequency="Day", interval=2, hours=[22], minutes=[30])
schedule = Schedule.create(workspace=ws, name="My_Schedule", pipeline_id=pub_pipeline_id,
                           experiment_name='Schedule_Run', recurrence=recurrence,
                           wait_for_provisioning=True, description="Schedule Run")
print("Created schedule with id: {}".format(schedule.id))

print("Found these schedules for the pipeline id {}:".format(pub_pipeline_id))
for schedule in Schedule.get_all(ws, pipeline_id=pub_pipeline_id):
    print(schedule.id)
    if schedule.recurrence is not None:
        schedule_id = schedule.id
print("Schedule id to be used for schedule operations: {}".format(schedule_id))

print("Your workspace has the following schedules set up:")
for schedule in Schedule.get_all(ws, active_only=True):
    print("{} (Published pipeline: {}".format(schedule.id, schedule.pipeline_id))

fetched = Schedule.get(ws, schedule_id)
print("Using schedule with id: {}".format(fetched.id))

fetched.disable(wait_for_provisioning=True)
fetched = Schedule.get(ws, schedule_id)
print("Disabled schedule {}. New status is: {}".format(fetched.id, fetched.status))

fetched.enable(wait_for_provisioning=True)
fetched = Schedule.get(ws, schedule_id)
print("Enabled schedule {}. New status is: {}".format(fetched.id, fetched.status))

recurrence = ScheduleRecurrence(frequency="Hour", interval=2)
fetched = Schedule.get(ws, schedule_id)
fetched.update(name="My_Updated_Schedule", description="Updated_Schedule_Run", status='Active',
               wait_for_provisioning=True, recurrence=recurrence)
fetched = Schedule.get(ws, fetched.id)
print("Updated schedule:", fetched.id, "\nNew name:", fetched.name,
      "\nNew frequency:", fetched.recurrence.frequency, "\nNew status:", fetched.status)

from azureml.core.datastore import Datastore
datastore = Datastore(workspace=ws, name="workspaceblobstore")
schedule = Schedule.create(workspace=ws, name="My_Schedule", pipeline_id=pub_pipeline_id,
                           experiment_name='Schedule_Run', datastore=datastore,
                           wait_for_provisioning=True, description="Schedule Run")
print("Created schedule with id: {}".format(schedule.id))

schedule.disable(wait_for_provisioning=True)
schedule = Schedule.get(ws, schedule_id)
print("Disabled schedule {}. New status is: {}".format(schedule.id, schedule.status))
