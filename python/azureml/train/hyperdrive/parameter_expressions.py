"""azureml.train.hyperdrive.parameter_expressions: choice, randint, uniform, ... (runnel.sdk.hyperdrive)."""
from runnel.sdk.hyperdrive import (choice, lognormal, loguniform, normal, qlognormal, qloguniform, qnormal,
                                   quniform, randint, uniform)

__all__ = ["choice", "randint", "uniform", "quniform", "loguniform", "qloguniform", "normal", "qnormal",
           "lognormal", "qlognormal"]
