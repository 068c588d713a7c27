# Modeled on the Azure ML sample notebook "How to Setup a Schedule with Pipeline Parameter
# Expressions" (intro-to-pipelines), as a script: schedules of a published pipeline and of
# a pipeline endpoint whose pipeline_parameters are "@..." expressions, created, updated
# and disabled. Runs against the workspace's server (`runnel serve`).
from azureml.core import Workspace
from azureml.pipeline.core.schedule import ScheduleRecurrence, Schedule
from azureml.pipeline.core import PublishedPipeline, PipelineEndpoint

ws = Workspace.from_config(path="config.json")

all_pub = PublishedPipeline.list(ws)
print("Published pipelines found in the workspace: ")
for pub in all_pub:
    print(pub.id)
pub_pipeline_id = all_pub[0].id
print("Published pipeline id to be used for schedule operations: {}".format(pub_pipeline_id))

endpoint = PipelineEndpoint.get(workspace=ws, name="PipelineEndpointName")
endpoint_id = endpoint.id
print("Published pipeline endpoint id to be used for schedule operations: {}".format(endpoint_id))

params = {
    "scheduled_time": "@trigger().scheduledTime",
    "start_time": "@trigger().startTime",
    "utc_now": "@utcNow()",
    "yesterday": "@formatDateTime(subtractFromTime(utcNow(),1,'Day'),'yyyy-MM-dd')",
}
recurrence = ScheduleRecurrence(frequency="Minute", interval=15)
schedule = Schedule.create(ws, name="ScheduleWithExpression",
                           description="Based on time, with pipeline param expressions",
                           pipeline_id=pub_pipeline_id, pipeline_parameters=params,
                           experiment_name="sample-schedule-with-expression", recurrence=recurrence)
print(schedule)

update_params = {"start_time": "@addMinutes(trigger().scheduledTime, 10)", "user": "@createdBy()",
                 "run_id": "@runId()"}
schedule.update(name="UpdatedScheduleWithExpression",
                description="Based on time, update pipeline with parameter expressions",
                pipeline_parameters=update_params)
print(schedule)
schedule.disable()
print("disabled:", Schedule.get(ws, schedule.id).status)

params = {"dayOfMonth": "@dayOfMonth('2022-01-01 08:00:00')", "dayOfWeek": "@dayOfWeek('2022-01-01 08:00:00')"}
endpoint_schedule = Schedule.create_for_pipeline_endpoint(
    ws, name="EndpointScheduleWithExpression01", pipeline_endpoint_id=endpoint_id,
    experiment_name="sample-endpoint-schedule-with-expression",
    description="Create for pipeline endpoint with pipeline parameter expressions",
    pipeline_parameters=params, recurrence=recurrence)
print(endpoint_schedule)

updated_recurrence = ScheduleRecurrence(frequency="Minute", interval=5)
endpoint_schedule.update(name="UpdateEndpointScheduleWithExpression",
                         description="Based on time, update pipeline endpoint with parameter expressions",
                         pipeline_parameters={"dayOfMonth": "@dayOfMonth(utcNow())",
                                              "dayOfWeek": "@dayOfWeek(utcNow())"},
                         recurrence=updated_recurrence)
print(endpoint_schedule)
endpoint_schedule.disable()
print("disabled:", Schedule.get(ws, endpoint_schedule.id).status,
      Schedule.get(ws, endpoint_schedule.id).recurrence.interval)
