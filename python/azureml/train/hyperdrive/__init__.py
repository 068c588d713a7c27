"""azureml.train.hyperdrive: HyperDriveConfig, samplings, parameter expressions, early
termination policies, PrimaryMetricGoal (runnel.sdk.hyperdrive); sweeps run by runnel.sweep."""
from runnel.sdk.hyperdrive import (BanditPolicy, BayesianParameterSampling, EarlyTerminationPolicy,
                                   GridParameterSampling, HyperDriveConfig, HyperParameterSampling,
                                   MedianStoppingPolicy, NoTerminationPolicy, PrimaryMetricGoal,
                                   RandomParameterSampling, TruncationSelectionPolicy, choice, lognormal,
                                   loguniform, normal, qlognormal, qloguniform, qnormal, quniform, randint,
                                   uniform)
from runnel.sdk.runs import HyperDriveRun

__all__ = ["HyperDriveConfig", "HyperDriveRun", "RandomParameterSampling", "GridParameterSampling",
           "BayesianParameterSampling", "HyperParameterSampling", "BanditPolicy", "MedianStoppingPolicy",
           "TruncationSelectionPolicy", "NoTerminationPolicy", "EarlyTerminationPolicy", "PrimaryMetricGoal",
           "choice", "randint", "uniform", "quniform", "loguniform", "qloguniform", "normal", "qnormal",
           "lognormal", "qlognormal"]
