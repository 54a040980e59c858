"""What the deployment does not run — a k3s cluster, cloud resources — publishes as external
dependencies: no service, and what references them reads their outputs and endpoints from ``.env``."""

from __future__ import annotations

from pyspire.extensions import OutputReference, ResourceHandlerBase, resource_handlers
from pyspire.model import Resource
from tests.publish.models import builder_in, compose_of, publish_model


def test_a_cluster_and_a_cloud_bucket_become_env_inputs_not_services(tmp_path):
    b = builder_in(tmp_path / "app")
    cluster = b.add_k3s_cluster("dev")
    aws = b.add_aws_environment("aws", region="eu-west-1")
    bucket = aws.add_s3_bucket("uploads")
    (
        b.add_python_app("deployer", ".", "deploy.py")
        .with_env("KUBECONFIG", cluster.output("kubeconfig"))
        .with_reference(bucket)
        .with_reference(cluster)
        .wait_for(cluster)
    )
    publish_model(b, tmp_path / "out")
    services = compose_of(tmp_path / "out")["services"]
    assert list(services) == ["deployer"]
    env = services["deployer"]["environment"]
    assert env["KUBECONFIG"] == "${DEV_KUBECONFIG}"
    assert env["ConnectionStrings__uploads"] == "${UPLOADS_BUCKETNAME}"
    assert env["DEV_HTTPS"] == "${DEV_HTTPS_URL}"
    assert env["AWS_REGION"] == "eu-west-1"
    assert "depends_on" not in services["deployer"], "nothing to wait for in this deployment"
    dotenv = (tmp_path / "out" / ".env").read_text()
    for variable in ("DEV_KUBECONFIG=", "UPLOADS_BUCKETNAME=", "UPLOADS_BUCKETARN=", "DEV_HTTPS_URL=", "DEV_TOKEN="):
        assert f"\n{variable}\n" in dotenv, variable
    assert "# output 'kubeconfig' of dev" in dotenv


class Vault(Resource):
    """A resource of one's own with no process (an integration's handler would provision it)."""

    resource_type = "Vault"


def test_a_resource_of_ones_own_without_a_process_is_an_external_dependency(tmp_path):
    b = builder_in(tmp_path / "app")
    vault = Vault("vault")
    b.resources.append(vault)
    web = b.add_python_app("web", ".", "web.py").with_env("VAULT_TOKEN", OutputReference(vault, "token", secret=True))
    web.wait_for(vault)
    with resource_handlers.registered(Vault, ResourceHandlerBase):
        publish_model(b, tmp_path / "out")
    services = compose_of(tmp_path / "out")["services"]
    assert list(services) == ["web"]
    assert services["web"]["environment"] == {"VAULT_TOKEN": "${VAULT_TOKEN}"}
    assert "depends_on" not in services["web"]
    assert "# output 'token' of vault (secret" in (tmp_path / "out" / ".env").read_text()
