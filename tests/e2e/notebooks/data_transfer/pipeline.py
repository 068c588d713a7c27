# Modeled on the Azure ML sample notebook "Azure Machine Learning Pipeline with
# DataTransferStep" (intro-to-pipelines), as a script. The notebook moves data from ADLS,
# ADLS Gen2, Azure SQL and PostgreSQL (cloud-only sources, left out) into a blob datastore
# through a Data Factory compute; here the source is a second datastore (an Azure Blob
# container when RUNNEL_TEST_AZURE_BLOB names an emulator endpoint, else the workspace's
# file store), and the same DataTransferStep / DataFactoryCompute / Pipeline calls move it.
import os

import azureml.core
from azureml.core import Workspace, Experiment, Datastore
from azureml.core.compute import ComputeTarget, DataFactoryCompute
from azureml.exceptions import ComputeTargetException
from azureml.data.data_reference import DataReference
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import DataTransferStep

print("SDK version:", azureml.core.VERSION)
ws = Workspace.from_config()
print(ws.name, ws.resource_group, ws.location, ws.subscription_id, sep='\n')

blob_datastore_name = 'workspaceblobstore'
blob_datastore = Datastore.get(ws, blob_datastore_name)
blob_data_ref = DataReference(datastore=blob_datastore, data_reference_name="blob_test_data",
                              path_on_datastore="testdata")

endpoint = os.environ.get("RUNNEL_TEST_AZURE_BLOB")  # host:port of an Azure Blob emulator
if endpoint:
    source_store = Datastore.register_azure_blob_container(
        workspace=ws, datastore_name="sourceblob", container_name="source", account_name="devstoreaccount1",
        account_key=os.environ["RUNNEL_TEST_AZURE_KEY"], protocol="http", endpoint=endpoint,
        create_if_not_exists=True, overwrite=True)
else:
    source_store = Datastore.get(ws, "workspacefilestore")
source_store.upload(src_dir="./testdata", target_path="testdata", overwrite=True, show_progress=True)
source_data_ref = DataReference(datastore=source_store, data_reference_name="source_test_data",
                                path_on_datastore="testdata")

data_factory_name = 'adftest'


def get_or_create_data_factory(workspace, factory_name):
    try:
        return DataFactoryCompute(workspace, factory_name)
    except ComputeTargetException as e:
        if 'ComputeTargetNotFound' in e.message:
            print('Data factory not found, creating...')
            provisioning_config = DataFactoryCompute.provisioning_configuration()
            data_factory = ComputeTarget.create(workspace, factory_name, provisioning_config)
            data_factory.wait_for_completion()
            return data_factory
        raise e


data_factory_compute = get_or_create_data_factory(ws, data_factory_name)
print("setup data factory account complete")

transfer_to_blob = DataTransferStep(name="transfer_to_blob", source_data_reference=source_data_ref,
                                    destination_data_reference=blob_data_ref,
                                    compute_target=data_factory_compute)
# Beyond the notebook: one file, into a PipelineData that a later step could read.
copied = PipelineData("copied", datastore=blob_datastore)
transfer_file = DataTransferStep(name="transfer_one_file",
                                 source_data_reference=DataReference(source_store, "one_file", "testdata/part2.csv"),
                                 destination_data_reference=copied, compute_target=data_factory_compute,
                                 source_reference_type="file", destination_reference_type="directory")
# And back: the copied file to a new path on the source datastore (uploaded when that is
# an object store).
transfer_back = DataTransferStep(name="transfer_back", source_data_reference=copied,
                                 destination_data_reference=DataReference(source_store, "back", "copied_back"),
                                 compute_target=data_factory_compute)
print("data transfer step created")

pipeline_01 = Pipeline(description="data_transfer_01", workspace=ws, steps=[transfer_to_blob, transfer_file, transfer_back])
pipeline_run_01 = Experiment(ws, "Data_Transfer_example_01").submit(pipeline_01)
pipeline_run_01.wait_for_completion()

from azureml.widgets import RunDetails
RunDetails(pipeline_run_01).show()

landed = os.path.join(blob_datastore.root, "testdata")
print("blob testdata:", sorted(os.listdir(landed)))
out = pipeline_run_01.find_step_run("transfer_one_file")[0].get_output_data("copied")
print("copied:", sorted(os.listdir(out.path)))
n = source_store.download("./back", prefix="copied_back", overwrite=True, show_progress=False)
print("copied back:", n, sorted(os.listdir("./back/copied_back")))
