"""azureml.pipeline.core.pipeline_output_dataset: PipelineData promoted to a dataset."""
from runnel.sdk.output_datasets import (PipelineOutputAbstractDataset, PipelineOutputFileDataset,
                                        PipelineOutputTabularDataset)

__all__ = ["PipelineOutputAbstractDataset", "PipelineOutputFileDataset", "PipelineOutputTabularDataset"]
