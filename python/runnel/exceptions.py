"""The Azure ML SDK's exception classes (azureml.exceptions), with the SDK's hierarchy:
every class derives from AzureMLException (an Exception); AuthenticationException from
UserErrorException. Standard library only: usable inside a step.

ActivityFailedException is what a failed run's wait_for_completion(raise_on_error=True)
raises; the SDK side raises a subclass that is also runnel.errors.RunnelError (see
runnel.sdk.runs), so `except RunnelError` keeps catching it.
"""


class AzureMLException(Exception):
    """The base of the SDK's exceptions."""

    def __init__(self, exception_message="", inner_exception=None, **kwargs):
        super().__init__(exception_message)
        self._exception_message = exception_message
        self._inner_exception = inner_exception

    @property
    def message(self):
        return self._exception_message

    @message.setter
    def message(self, value):
        self._exception_message = value

    @property
    def inner_exception(self):
        return self._inner_exception


class UserErrorException(AzureMLException):
    """Bad input from the caller (a missing parameter, an entity that does not exist, ...)."""


class AuthenticationException(UserErrorException):
    pass


class ComputeTargetException(AzureMLException):
    """Creating, getting or configuring a compute target failed (e.g. one that does not exist)."""


class TrainingException(AzureMLException):
    pass


class ExperimentExecutionException(AzureMLException):
    pass


class ProjectSystemException(AzureMLException):
    pass


class SnapshotException(AzureMLException):
    pass


class RunEnvironmentException(AzureMLException):
    def __init__(self, exception_message=None, **kwargs):
        super().__init__(exception_message or
                         "Could not load a submitted run, if outside of an execution context, use "
                         "experiment.start_logging to initialize an azureml.core.Run.", **kwargs)


class WorkspaceException(AzureMLException):
    def __init__(self, exception_message="", found_multiple=False, **kwargs):
        super().__init__(exception_message, **kwargs)
        self.found_multiple = found_multiple


class RunConfigurationException(AzureMLException):
    pass


class WebserviceException(AzureMLException):
    def __init__(self, exception_message="", status_code=None, logger=None, **kwargs):
        super().__init__(exception_message, **kwargs)
        self.status_code = status_code


class ModelNotFoundException(AzureMLException):
    def __init__(self, exception_message="", logger=None, **kwargs):
        super().__init__(exception_message, **kwargs)


class ModelPathNotFoundException(AzureMLException):
    def __init__(self, exception_message="", logger=None, **kwargs):
        super().__init__(exception_message, **kwargs)


class DiscoveryUrlNotFoundException(AzureMLException):
    def __init__(self, discovery_key="", **kwargs):
        super().__init__("Could not load discovery key %s, from environment variables." % discovery_key, **kwargs)


class ActivityFailedException(AzureMLException):
    """A run failed (raised by wait_for_completion with raise_on_error=True)."""

    def __init__(self, error_details="", **kwargs):
        super().__init__("Activity Failed:\n%s" % (error_details,), **kwargs)
        self.error_details = error_details


class ActivityCanceledException(AzureMLException):
    def __init__(self, cancellation_source=None, **kwargs):
        super().__init__("Activity Canceled", **kwargs)


class ServiceException(AzureMLException):
    pass


class ValidationException(AzureMLException):
    pass


__all__ = ["AzureMLException", "UserErrorException", "AuthenticationException", "ComputeTargetException",
           "TrainingException", "ExperimentExecutionException", "ProjectSystemException", "SnapshotException",
           "RunEnvironmentException", "WorkspaceException", "RunConfigurationException", "WebserviceException",
           "ModelNotFoundException", "ModelPathNotFoundException", "DiscoveryUrlNotFoundException",
           "ActivityFailedException", "ActivityCanceledException", "ServiceException", "ValidationException"]
