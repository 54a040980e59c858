"""How the workloads and pods of a release read, from documents shaped as ``kubectl get -o json``
prints them: the states the deploy reports and the reasons a failure names. The real control
plane's documents are read by tests/deploy/test_deploy_kubernetes.py; these cover what kwok never
does (an image that cannot be pulled, a container that crashes, a rollout past its deadline)."""

from __future__ import annotations

from typing import Any

from pyspire.deploy.kube_status import describe, pod_problem


def deployment(replicas: int, status: dict[str, Any], generation: int = 1) -> dict[str, Any]:
    metadata = {"name": "api", "generation": generation, "labels": {"app.kubernetes.io/name": "api"}}
    return {"kind": "Deployment", "metadata": metadata, "spec": {"replicas": replicas}, "status": status}


def test_a_deployment_is_available_once_every_replica_of_its_current_generation_is() -> None:
    halfway = {"observedGeneration": 1, "readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1}
    assert describe(deployment(2, halfway)).state == "1/2 ready"
    done = {"observedGeneration": 1, "readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2,
            "conditions": [{"type": "Available", "status": "True"}]}  # fmt: skip
    assert (describe(deployment(2, done)).state, describe(deployment(2, done)).done) == ("available (2 replicas)", True)
    assert not describe(deployment(2, done, generation=2)).done  # the upgrade not yet seen by the controller


def test_a_rollout_past_its_deadline_and_a_failed_job_are_failures_with_their_messages() -> None:
    stuck = {"observedGeneration": 1, "conditions": [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": 'ReplicaSet "api-5d" has timed out progressing.'}]}  # fmt: skip
    workload = describe(deployment(1, stuck))
    assert workload.failed and workload.state == 'failed: ReplicaSet "api-5d" has timed out progressing.'
    job = {"kind": "Job", "metadata": {"name": "migrate-3", "labels": {"app.kubernetes.io/name": "migrate"}},
           "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                      "message": "Job has reached the specified backoff limit"}]}}  # fmt: skip
    assert describe(job).name == "migrate" and describe(job).state == "failed: Job has reached the specified backoff limit"


def test_a_pod_names_its_image_pull_failure_its_crash_or_why_it_is_not_scheduled() -> None:
    pulling = {"metadata": {"name": "api-1"}, "status": {"phase": "Pending", "containerStatuses": [
        {"name": "api", "state": {"waiting": {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "r/orders/api:1"'}}}]}}  # fmt: skip
    assert pod_problem(pulling) == 'pod api-1: container api ImagePullBackOff: Back-off pulling image "r/orders/api:1"'
    crashed = {"metadata": {"name": "api-2"}, "status": {"phase": "Running", "containerStatuses": [
        {"name": "api", "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 3}}}]}}  # fmt: skip
    assert pod_problem(crashed) == "pod api-2: container api CrashLoopBackOff"
    unscheduled = {"metadata": {"name": "pg-0"}, "status": {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available"}]}}  # fmt: skip
    assert pod_problem(unscheduled) == "pod pg-0: Unschedulable: 0/1 nodes are available"
    ready = {"metadata": {"name": "web-0"}, "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}
    assert pod_problem(ready) is None
