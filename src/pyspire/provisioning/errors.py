"""The errors the provisioning controller raises, each in pyspire's families so that callers (the
CLI, the API, the dashboard) know whether trying again can help."""

from __future__ import annotations

from pyspire.errors import ConfigurationError, PermanentError, TemporaryError


class DeploymentFailed(PermanentError):
    """The cloud rejected or failed a deployment; the message is the cloud's own error."""


class DeploymentNotFound(PermanentError):
    """A deployment id from the state file names nothing the cloud knows: deploy afresh."""


class DeploymentConflict(TemporaryError):
    """Another deployment of the same resource is still active in the cloud (ARM's
    ``DeploymentActive``, CloudFormation's ``*_IN_PROGRESS``): wait for it, then deploy again."""

    def __init__(self, message: str, active_deployment_id: str, delay: float = 0.0) -> None:
        super().__init__(message, delay)
        self.active_deployment_id = active_deployment_id


class PrerequisiteFailed(PermanentError):
    """A resource this one depends on failed, so this one was not attempted; names the cause."""

    def __init__(self, resource: str, prerequisite: str, cause: BaseException) -> None:
        super().__init__(f"{resource}: prerequisite {prerequisite} failed to provision: {cause}")
        self.resource = resource
        self.prerequisite = prerequisite
        self.cause = cause


class MissingConfiguration(ConfigurationError):
    """The cloud environment lacks values it needs (account, region, ...): set them and retry."""

    def __init__(self, environment: str, keys: tuple[str, ...]) -> None:
        super().__init__(f"missing configuration for {environment}: set {', '.join(keys)}")
        self.keys = keys


class UnknownCloudResource(ConfigurationError):
    """An intent names a resource the controller does not manage."""


class DependencyCycle(ConfigurationError):
    """Cloud resources depend on each other in a loop: no order can provision them."""


class OperationCanceled(PermanentError):
    """The operation was canceled by the user; resources it had not finished show ``Canceled``."""
