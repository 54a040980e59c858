"""The AWS environment resource: region, account, stack prefix, an optional endpoint override,
credentials from boto3's standard chain. Values come from configuration like parameters (the
app host's ``AWS:*`` settings, then the usual ``AWS_*`` variables)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from pyspire.provisioning.aws.backend import CloudFormationBackend
from pyspire.provisioning.aws.errors import translate
from pyspire.provisioning.aws.sdk import AwsClients
from pyspire.provisioning.errors import MissingConfiguration
from pyspire.provisioning.spec import Scope

#: Scope field → what to set, for :class:`~pyspire.provisioning.ProvisioningController`'s ``required``.
REQUIRED: Mapping[str, str] = {"region": "AWS:Region (or AWS_REGION)", "group": "AWS:StackPrefix"}

_KEYS: Mapping[str, tuple[str, ...]] = {
    "region": ("AWS:Region", "AWS_REGION", "AWS_DEFAULT_REGION"),
    "account": ("AWS:Account",),
    "stack_prefix": ("AWS:StackPrefix",),
    "endpoint_url": ("AWS:EndpointUrl", "AWS_ENDPOINT_URL"),
    "profile": ("AWS:Profile", "AWS_PROFILE"),
}


@dataclass(frozen=True)
class AwsEnvironment:
    """One AWS environment. ``account`` empty: asked of STS (``get_caller_identity``) on connect."""

    name: str = "aws"
    region: str = ""
    stack_prefix: str = "pyspire"
    account: str = ""
    endpoint_url: str = ""
    profile: str = ""

    @staticmethod
    def from_settings(settings: Mapping[str, str], name: str = "aws") -> AwsEnvironment:
        """From configuration (``AWS:Region`` ... first, then the ``AWS_*`` variables)."""

        def first(field: str, default: str = "") -> str:
            return next((settings[k] for k in _KEYS[field] if settings.get(k)), default)

        return AwsEnvironment(
            name=name,
            region=first("region"),
            stack_prefix=first("stack_prefix", "pyspire"),
            account=first("account"),
            endpoint_url=first("endpoint_url"),
            profile=first("profile"),
        )

    def missing(self) -> tuple[str, ...]:
        """The settings still to set (the environment shows "missing configuration: set ...")."""
        return tuple(what for field, what in REQUIRED.items() if not getattr(self, _FIELD[field]))

    def clients(self) -> AwsClients:
        return AwsClients(self.region, self.endpoint_url, self.profile)

    def backend(self, poll_interval: float = 2.0) -> CloudFormationBackend:
        """The CloudFormation backend for this environment (no call to AWS yet, no boto3 import)."""
        return CloudFormationBackend(self.clients(), poll_interval)

    def scope(self, account: str = "") -> Scope:
        """The controller's scope: group = the stack prefix. The endpoint is not identity."""
        return Scope(self.name, account or self.account, self.region, self.stack_prefix)

    async def resolve(self, clients: AwsClients | None = None) -> Scope:
        """The scope with the account filled in from STS; MissingConfiguration when the region is unset."""
        missing = self.missing()
        if missing:
            raise MissingConfiguration(self.name, missing)
        if self.account:
            return self.scope()
        sts = (clients or self.clients()).client("sts")
        try:
            identity = await asyncio.to_thread(sts.get_caller_identity)
        except Exception as e:
            raise translate(e, f"AWS environment {self.name}: get_caller_identity") from None
        return self.scope(str(identity["Account"]))


_FIELD = {"region": "region", "group": "stack_prefix"}
