"""azureml.data.azure_storage_datastore: the datastore classes scripts name in isinstance
checks and annotations. Every runnel datastore (a local folder, an Azure Blob container, an
S3 bucket) is a runnel.sdk.core.Datastore; its `datastore_type` says which."""
from runnel.sdk.core import Datastore

AbstractDatastore = Datastore
AzureBlobDatastore = Datastore
AzureFileDatastore = Datastore

__all__ = ["AbstractDatastore", "AzureBlobDatastore", "AzureFileDatastore"]
