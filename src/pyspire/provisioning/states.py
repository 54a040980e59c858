"""The states a user sees for a cloud resource and for its environment (Aspire's
``AzureProvisioningStrings.ResourceState*``). Strings, so the API and the dashboard show them as is."""

from __future__ import annotations

from enum import StrEnum


class ProvisioningState(StrEnum):
    """One cloud resource, as the dashboard shows it."""

    NOT_PROVISIONED = "Not provisioned"
    PREPARING_TEMPLATE = "Preparing template"
    CREATING_DEPLOYMENT = "Creating deployment"
    WAITING_FOR_DEPLOYMENT = "Waiting for deployment"
    PROVISIONED = "Provisioned"
    FAILED_TO_PROVISION = "Failed to provision"
    MISSING_IN_CLOUD = "Missing in cloud"
    DELETING = "Deleting"
    DELETED = "Deleted"
    CANCELED = "Canceled"
    MISSING_CONFIGURATION = "Missing configuration"


class EnvironmentState(StrEnum):
    """The cloud environment (account or subscription, region, group) as a whole."""

    NOT_PROVISIONED = "Not provisioned"
    PROVISIONING = "Provisioning"
    READY = "Ready"
    FAILED = "Failed"
    DRIFTED = "Drifted"
    MISSING_CONFIGURATION = "Missing configuration"


#: Steps of one deployment, in order: the user sees the controller get further.
STEPS: tuple[ProvisioningState, ...] = (
    ProvisioningState.PREPARING_TEMPLATE,
    ProvisioningState.CREATING_DEPLOYMENT,
    ProvisioningState.WAITING_FOR_DEPLOYMENT,
)


class Presence(StrEnum):
    """A drift probe's answer. ``UNKNOWN`` (auth, throttling, network) is never drift."""

    EXISTS = "exists"
    MISSING = "missing"
    UNKNOWN = "unknown"
