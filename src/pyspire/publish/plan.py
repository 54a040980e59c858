"""The publish plan: what each resource of the model publishes as, decided once for every target.

Walking the model here (not in a target) keeps Compose and Helm agreeing on what is a service:

- ``image``: a container run from an existing image, or an executable given ``with_image``;
- ``dockerfile``: built from the user's Dockerfile (``add_dockerfile``, ``publish_as_dockerfile``);
- ``generated``: a Python or Node app of the integrations, built from a Dockerfile pyspire writes;
- ``external``: something the deployment does not run but reads from configuration (a cloud
  resource, a k3s cluster and its Helm releases, any resource without a process of its own): its
  outputs and endpoints become inputs;
- ``value``: a parameter or connection string, an input of the deployment;
- ``folded``: part of another service's image or startup (an ``<app>-install`` step runs in the
  Dockerfile, a PostgreSQL database in its server), so a wait for it means its service.

An executable that is none of these is ``unpublishable``: the plan records the problem with both
ways to fix it, and publishing stops before writing anything. Every service's listening ports are
decided here too (:mod:`pyspire.publish.ports`), once, for every value that names them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from pyspire.integrations.install_steps import InstallStepResource
from pyspire.integrations.k3s import HelmReleaseResource
from pyspire.integrations.k3s.resources import K3sAgentResource, K3sClusterResource
from pyspire.integrations.node import NodeResource
from pyspire.integrations.postgres import PostgresDatabaseResource
from pyspire.integrations.python import PythonAppResource
from pyspire.model.containers import DockerfileBuildAnnotation
from pyspire.model.errors import ModelProblem
from pyspire.model.publishing import PublishDockerfileAnnotation, PublishImageAnnotation
from pyspire.model.resource import Resource
from pyspire.model.resources import (
    ConfiguredValueResource,
    ContainerResource,
    ExecutableResource,
    RunnableResource,
)
from pyspire.provisioning.model import CloudEnvironmentResource, CloudResource
from pyspire.publish.ports import published_ports

PublishKind = Literal["image", "dockerfile", "generated", "external", "value", "folded", "unpublishable"]
GeneratorKind = Literal["python", "node"]

#: The resource classes that stand for something outside the deployment.
EXTERNAL_KINDS: tuple[type[Resource], ...] = (
    CloudEnvironmentResource,
    CloudResource,
    K3sClusterResource,
    K3sAgentResource,
    HelmReleaseResource,
)


@dataclass(frozen=True)
class Build:
    """An image built from a Dockerfile: paths are absolute here, a target makes them relative."""

    context: Path
    dockerfile: Path | None = None
    stage: str | None = None


@dataclass(frozen=True)
class PublishedResource:
    """One resource and what it publishes as."""

    resource: Resource
    kind: PublishKind
    image: str | None = None
    build: Build | None = None
    generator: GeneratorKind | None = None
    #: For ``folded``: the resource whose service stands for this one (``None``: nothing does).
    folded_into: Resource | None = None
    #: Endpoint name → the port the process listens on inside its service.
    ports: Mapping[str, int] = field(default_factory=dict)

    @property
    def is_service(self) -> bool:
        """Whether the deployment runs it (a Compose service, a Kubernetes workload)."""
        return self.kind in ("image", "dockerfile", "generated")


@dataclass(frozen=True)
class PublishPlan:
    """Every resource of the model in declaration order, and the problems found."""

    app_dir: Path
    entries: tuple[PublishedResource, ...]
    problems: tuple[ModelProblem, ...] = field(default=())
    #: The app's name (``--name``); ``None``: its folder's.
    name: str | None = None
    _by_resource: dict[int, PublishedResource] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_resource", {id(e.resource): e for e in self.entries})

    @property
    def app_name(self) -> str:
        return self.name if self.name else self.app_dir.name

    def entry(self, resource: Resource) -> PublishedResource:
        """The entry of a resource of the model; one outside it (a reference to a resource
        never added to the builder) is an external dependency."""
        found = self._by_resource.get(id(resource))
        return found if found is not None else PublishedResource(resource, "external")

    @property
    def services(self) -> list[PublishedResource]:
        return [e for e in self.entries if e.is_service]

    def service_for(self, resource: Resource) -> PublishedResource | None:
        """The service a wait for ``resource`` means: itself, or what it is folded into."""
        entry = self.entry(resource)
        while entry.kind == "folded" and entry.folded_into is not None:
            entry = self.entry(entry.folded_into)
        return entry if entry.is_service else None


def unpublishable_problem(resource: Resource) -> ModelProblem:
    """An executable with no image: the two ways out, at the line that declared it."""
    name = resource.name
    if not isinstance(resource, ExecutableResource):  # a runnable kind of an integration of one's own
        return ModelProblem(
            name,
            "type",
            f"pyspire cannot publish a {type(resource).__name__}: only containers, executables and "
            "the resources of pyspire's integrations have a published form",
            resource.origin_of(),
        )
    return ModelProblem(
        name,
        "image",
        "an executable needs an image to be published and pyspire cannot generate one for it; "
        f"give it a Dockerfile with .publish_as_dockerfile('./{name}') (its folder, relative to "
        f"apphost.py) or an existing image with .with_image('registry.example.com/{name}:1.0')",
        resource.origin_of(),
    )


def plan_publish(resources: Sequence[Resource], app_dir: Path, name: str | None = None) -> PublishPlan:
    """What each resource publishes as; problems collected, never raised."""
    entries: list[PublishedResource] = []
    problems: list[ModelProblem] = []
    for resource in resources:
        entry = _entry(resource)
        if entry is None:
            problems.append(unpublishable_problem(resource))
            entry = PublishedResource(resource, "unpublishable")
        elif entry.is_service:
            entry = replace(entry, ports=published_ports(resource))
        entries.append(entry)
    return PublishPlan(app_dir, tuple(entries), tuple(problems), name)


def _entry(resource: Resource) -> PublishedResource | None:
    if isinstance(resource, ConfiguredValueResource):
        return PublishedResource(resource, "value")
    if isinstance(resource, EXTERNAL_KINDS):
        return PublishedResource(resource, "external")
    if isinstance(resource, InstallStepResource):
        return PublishedResource(resource, "folded")  # the generated Dockerfile installs
    if isinstance(resource, PostgresDatabaseResource):
        return PublishedResource(resource, "folded", folded_into=resource.server)
    if isinstance(resource, ContainerResource):
        build = resource.build
        if build is not None:
            return PublishedResource(resource, "dockerfile", build=_build(build))
        return PublishedResource(resource, "image", image=resource.image.reference)
    if isinstance(resource, ExecutableResource):
        return _executable(resource)
    if isinstance(resource, RunnableResource):
        return None
    return PublishedResource(resource, "external")  # no process of its own: nothing to deploy


def _executable(resource: ExecutableResource) -> PublishedResource | None:
    """What the user said last wins; else what an integration can generate."""
    chosen = [a for a in resource.annotations if isinstance(a, PublishImageAnnotation | PublishDockerfileAnnotation)]
    if chosen:
        last = chosen[-1]
        if isinstance(last, PublishImageAnnotation):
            return PublishedResource(resource, "image", image=last.image)
        return PublishedResource(resource, "dockerfile", build=Build(last.context, last.dockerfile, last.stage))
    if isinstance(resource, PythonAppResource):
        return PublishedResource(resource, "generated", build=Build(resource.app_dir), generator="python")
    if isinstance(resource, NodeResource):
        return PublishedResource(resource, "generated", build=Build(resource.working_dir), generator="node")
    return None


def _build(build: DockerfileBuildAnnotation) -> Build:
    return Build(build.context, build.dockerfile, build.stage)
