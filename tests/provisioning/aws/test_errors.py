"""What goes wrong outside the template: no credentials, an endpoint that does not answer, a
missing region, no boto3. Each is a clear state naming the fix; none is drift; no secret is shown."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from pyspire.errors import ConfigurationError, PermanentError, TemporaryError
from pyspire.provisioning import (
    DeployedResource,
    EnsureProvisioned,
    EnvironmentState,
    MissingConfiguration,
    Outputs,
    Presence,
    ProvisioningState,
    Scope,
)
from pyspire.provisioning.aws import (
    AwsClients,
    AwsEnvironment,
    CloudFormationBackend,
    dynamodb_table,
    s3_bucket,
    sqs_queue,
)
from pyspire.provisioning.aws.errors import presence_of, translate
from tests.provisioning.aws.conftest import Make

SECRET = "testing-secret-value"  # the conftest's AWS_SECRET_ACCESS_KEY


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def client_error(code: str, message: str = "msg", status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


async def test_an_unreachable_endpoint_is_unknown_to_drift_and_a_clear_error_to_deploy(
    make: Make, env: AwsEnvironment
) -> None:
    first, _ = make([s3_bucket("uploads"), sqs_queue("jobs")])
    await first.run(EnsureProvisioned())
    await first.stop()
    away = replace(env, endpoint_url=closed_port_url())
    controller, _ = make(
        [s3_bucket("uploads"), sqs_queue("jobs"), sqs_queue("new")], environment=away, attempts=1
    )
    result = await controller.run(EnsureProvisioned())
    assert set(result.failed) == {"new"}  # the cached ones need no call
    message = controller.board.resources["new"].message
    assert (
        "new: stack app-dev-new: describe_stacks: cannot reach AWS" in message
        and "AWS:EndpointUrl" in message
    )
    assert controller.board.resources["new"].state is ProvisioningState.FAILED_TO_PROVISION
    assert await controller.request_drift_check() == []  # unknown, not missing
    assert controller.board.resources["uploads"].state is ProvisioningState.PROVISIONED
    assert controller.board.environment is not EnvironmentState.DRIFTED


@pytest.fixture(scope="module")
def strict_moto() -> Iterator[str]:
    """A second moto server, its own process, that checks credentials (IAM auth on from the first
    request): any key it does not know is answered ``InvalidClientTokenId`` / 403."""
    url = closed_port_url()
    port = url.rsplit(":", 1)[1]
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", port],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(10)


async def test_rejected_credentials_are_unknown_to_drift_and_a_clear_error_to_deploy(
    make: Make, env: AwsEnvironment, strict_moto: str
) -> None:
    specs = [s3_bucket("uploads"), sqs_queue("jobs"), dynamodb_table("orders")]
    first, _ = make(specs)
    await first.run(EnsureProvisioned())
    await first.stop()
    strict = replace(env, endpoint_url=strict_moto)
    controller, log = make([*specs, sqs_queue("new")], environment=strict, attempts=1)
    result = await controller.run(EnsureProvisioned())
    assert set(result.failed) == {"new"}
    message = controller.board.resources["new"].message
    assert (
        "new: stack app-dev-new: describe_stacks: AWS rejected the credentials (InvalidClientTokenId)"
        in message
    )
    assert "or AWS_PROFILE" in message and SECRET not in message
    assert await controller.request_drift_check() == []  # three 403s: unknown, not missing
    assert sorted(log.calls) == sorted(
        [
            ("cloudformation", "DescribeStacks"),
            ("s3", "HeadBucket"),
            ("sqs", "GetQueueAttributes"),
            ("dynamodb", "DescribeTable"),
        ]
    )
    assert {controller.board.resources[n].state for n in ("uploads", "jobs", "orders")} == {
        ProvisioningState.PROVISIONED
    }
    with pytest.raises(PermanentError, match="get_caller_identity: AWS rejected the credentials"):
        await replace(strict, account="").resolve()


async def test_missing_credentials_say_which_variables_to_set_and_are_unknown_to_drift(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = make([s3_bucket("uploads")])
    await first.run(EnsureProvisioned())
    await first.stop()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    controller, _ = make([s3_bucket("uploads"), sqs_queue("jobs")], attempts=1)
    result = await controller.run(EnsureProvisioned())
    assert set(result.failed) == {"jobs"}
    message = controller.board.resources["jobs"].message
    assert (
        "jobs: stack app-dev-jobs: describe_stacks: no usable AWS credentials (NoCredentialsError)" in message
    )
    assert "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) or AWS_PROFILE" in message
    assert await controller.request_drift_check() == []
    assert controller.board.resources["uploads"].state is ProvisioningState.PROVISIONED


async def test_partial_credentials_are_named_without_showing_the_secret(
    env: AwsEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")  # the secret alone is half a credential
    backend = CloudFormationBackend(env.clients(), poll_interval=0.05)
    with pytest.raises(PermanentError) as caught:
        await backend.deploy(s3_bucket("uploads"), env.scope("123456789012"))
    assert "no usable AWS credentials" in str(caught.value) and SECRET not in str(caught.value)
    target = DeployedResource(
        "uploads", "aws:s3-bucket", "stack", env.scope(), outputs=Outputs({"BucketName": "app-dev-uploads"})
    )
    assert await backend.exists(target) is Presence.UNKNOWN


@pytest.mark.parametrize(
    ("code", "family", "says"),
    [
        ("ThrottlingException", TemporaryError, "throttled by AWS (ThrottlingException)"),
        ("RequestLimitExceeded", TemporaryError, "throttled by AWS"),
        ("InvalidClientTokenId", PermanentError, "AWS rejected the credentials (InvalidClientTokenId)"),
        ("ExpiredToken", PermanentError, "or AWS_PROFILE"),
        ("ValidationError", PermanentError, "uploads: create_stack: Template format error"),
    ],
)
def test_aws_errors_map_into_pyspires_families_with_the_resource_and_the_fix(
    code: str, family: type[Exception], says: str
) -> None:
    error = translate(
        client_error(code, "Template format error" if code == "ValidationError" else "msg"),
        "uploads: create_stack",
    )
    assert isinstance(error, family) and says in str(error)


@pytest.mark.parametrize(
    ("code", "message", "presence"),
    [
        ("404", "Not Found", Presence.MISSING),
        ("NoSuchBucket", "gone", Presence.MISSING),
        ("AWS.SimpleQueueService.NonExistentQueue", "gone", Presence.MISSING),
        ("ResourceNotFoundException", "gone", Presence.MISSING),
        ("ValidationError", "Stack with id x does not exist", Presence.MISSING),
        ("ValidationError", "Template format error", Presence.UNKNOWN),
        ("403", "Forbidden", Presence.UNKNOWN),
        ("AccessDeniedException", "no", Presence.UNKNOWN),
        ("ThrottlingException", "slow down", Presence.UNKNOWN),
    ],
)
def test_only_a_not_found_answer_is_missing_everything_else_is_unknown(
    code: str, message: str, presence: Presence
) -> None:
    assert presence_of(client_error(code, message)) is presence


async def test_a_missing_region_is_missing_configuration_naming_what_to_set(
    make: Make, env: AwsEnvironment
) -> None:
    blank = AwsEnvironment.from_settings({"AWS:EndpointUrl": env.endpoint_url}, name="dev")
    assert blank.missing() == ("AWS:Region (or AWS_REGION)",)
    with pytest.raises(
        MissingConfiguration, match=r"missing configuration for dev: set AWS:Region \(or AWS_REGION\)"
    ):
        await blank.resolve()
    controller, log = make([s3_bucket("uploads")], environment=blank)
    with pytest.raises(MissingConfiguration):
        await controller.run(EnsureProvisioned())
    assert controller.board.environment is EnvironmentState.MISSING_CONFIGURATION
    assert (
        controller.board.resources["uploads"].message
        == "missing configuration: set AWS:Region (or AWS_REGION)"
    )
    assert log.calls == []


def test_settings_come_from_aws_keys_first_then_the_usual_variables() -> None:
    env = AwsEnvironment.from_settings(
        {
            "AWS_REGION": "us-east-2",
            "AWS:Region": "eu-north-1",
            "AWS_PROFILE": "dev",
            "AWS_ENDPOINT_URL": "http://x",
        }
    )
    assert (env.region, env.profile, env.endpoint_url, env.stack_prefix) == (
        "eu-north-1",
        "dev",
        "http://x",
        "pyspire",
    )
    assert AwsEnvironment.from_settings({"AWS_DEFAULT_REGION": "ap-south-1"}).region == "ap-south-1"
    assert env.scope("1").as_dict()["group"] == "pyspire"
    backend = env.backend()
    assert (backend.clients.region, backend.clients.endpoint_url, backend.clients.profile) == (
        "eu-north-1",
        "http://x",
        "dev",
    )


def test_without_boto3_the_first_client_says_to_install_the_aws_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if not installed
    with pytest.raises(ConfigurationError, match=r"install pyspire\[aws\]"):
        AwsClients("eu-west-1").client("s3")


def test_importing_the_package_does_not_import_boto3() -> None:
    import subprocess

    code = "import sys, pyspire.provisioning.aws; print('boto3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_scope_carries_no_credentials() -> None:
    scope: Scope = AwsEnvironment(region="eu-west-1").scope("1")
    assert SECRET not in repr(scope) and "SECRET" not in str(scope.as_dict()).upper()


async def test_a_profile_that_does_not_exist_is_named_and_unknown_to_drift(
    env: AwsEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = CloudFormationBackend(replace(env, profile="nobody").clients(), poll_interval=0.05)
    with pytest.raises(PermanentError, match="AWS profile 'nobody' not found: fix AWS:Profile / AWS_PROFILE"):
        await backend.deploy(s3_bucket("uploads"), env.scope("123456789012"))
    target = DeployedResource(
        "uploads", "aws:s3-bucket", "stack", env.scope(), outputs=Outputs({"BucketName": "b"})
    )
    assert await backend.exists(target) is Presence.UNKNOWN
