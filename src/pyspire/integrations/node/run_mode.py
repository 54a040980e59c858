"""Run mode for Node resources: ``NODE_ENV=development``, as Aspire sets for npm apps it runs.

Frameworks read it (Express's error pages, Vite's and Next's dev behaviour, npm installing
devDependencies even where the user's shell says ``production``). A run-mode policy is applied
before what the user set, so ``with_env("NODE_ENV", "production")`` still wins.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspire.extensions import RUN_MODE_POLICIES, RunModeContext
from pyspire.integrations.node.resources import NodeInstallerResource, NodeResource


def node_development(ctx: RunModeContext) -> Mapping[str, str]:
    if isinstance(ctx.resource, NodeResource | NodeInstallerResource):
        return {"NODE_ENV": "development"}
    return {}


#: Registered when the integration is imported (``pyspire.app`` does at every start), the way
#: the built-in policies are; calling it removes the policy again.
unregister_node_development = RUN_MODE_POLICIES.register(node_development)
