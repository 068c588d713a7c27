"""azureml.core.webservice: importable; deploying is not provided (runnel/sdk/deploy.py)."""
from runnel.sdk.deploy import AciWebservice, AksWebservice, LocalWebservice, Webservice

__all__ = ["Webservice", "AciWebservice", "AksWebservice", "LocalWebservice"]
