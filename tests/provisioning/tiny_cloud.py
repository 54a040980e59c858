"""A tiny test-only cloud package on the fake backend: what a real one (``add_aws_environment``,
``env.add_s3_bucket``) writes on top of :mod:`pyspire.provisioning`, in a few lines."""

from __future__ import annotations

from pyspire.model import AppModelBuilder
from pyspire.provisioning import CloudEnvironmentBuilder, CloudResourceBuilder, Scope, add_cloud_environment
from tests.provisioning.fake_backend import FakeBackend, FakeCloud

#: What every fake resource outputs (the fake backend's deployments produce these).
OUTPUTS = ("name", "region", "account", "deployment")


class TinyEnvironmentBuilder(CloudEnvironmentBuilder):
    def add_tiny_bucket(self, name: str, *, secret: bool = False, **parameters: object) -> CloudResourceBuilder:
        """A bucket; with ``secret`` its ``deployment`` output is a secret (as an access key is)."""
        template = {"type": "bucket", **({"secret": True} if secret else {})}
        return self.add_cloud_resource(
            name, "tiny:bucket", template, parameters=parameters, outputs=OUTPUTS,
            secret_outputs=("deployment",) if secret else (),
        )


def add_tiny_environment(
    builder: AppModelBuilder, name: str, cloud: FakeCloud, *, account: object = "", region: object = "", group: object = ""
) -> TinyEnvironmentBuilder:
    def backend(scope: Scope) -> FakeBackend:
        cloud.clients.append(client := FakeBackend(cloud))
        return client

    return add_cloud_environment(
        builder, name, backend, account=account, region=region, group=group, builder_class=TinyEnvironmentBuilder
    )
