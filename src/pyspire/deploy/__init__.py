"""Deploying: the published app started on this machine (``pyspire deploy``), and removed again
(``pyspire destroy``).

``deploy`` publishes with the same code as ``pyspire publish`` into a folder (by default
``.pyspire/deploy/compose`` beside ``apphost.py``), fills the published ``.env`` from the values
``pyspire run`` would use, builds the images and starts the project with Docker Compose or
podman-compose, whichever engine answers, returning once every service runs. ``destroy`` removes
the project's containers, network, volumes and the images built for it. See
``docs/publish.md``, "Deploy and destroy".

``--target kubernetes`` (:mod:`pyspire.deploy.kubernetes`) publishes the Helm chart instead,
pushes the built images to a registry and installs the release with ``helm upgrade --install``;
its destroy uninstalls it. It is imported from there (it needs helm and kubectl, not Compose).
"""

from __future__ import annotations

from pyspire.deploy.compose import DEFAULT_FOLDER, DeployResult, deploy, destroy, project_name
from pyspire.deploy.engine import ComposeEngine, detect_engine
from pyspire.deploy.errors import DeployFailed, MissingInputs, NoComposeEngine

__all__ = [
    "DEFAULT_FOLDER",
    "ComposeEngine",
    "DeployFailed",
    "DeployResult",
    "MissingInputs",
    "NoComposeEngine",
    "deploy",
    "destroy",
    "detect_engine",
    "project_name",
]
