"""azureml.train: the hyperdrive package (sweeps) is served by runnel."""
