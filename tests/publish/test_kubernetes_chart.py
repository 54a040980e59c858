"""What the Helm chart says about the app: no secret value in any file, references as in-cluster
addresses, a StatefulSet for a data volume, probes from health checks, waits as init containers,
the same bytes for the same model, and nothing written for a model that cannot be published."""

from __future__ import annotations

import yaml

from tests.publish.charts import by_kind, helm_template
from tests.publish.models import app_with_secrets, builder_in, publish_model
from tests.publish.trees import publish_cli, tree


def test_no_secret_value_appears_in_any_file_of_the_chart(tmp_path):
    app = app_with_secrets(tmp_path)
    out = app / "publish"
    result = publish_cli(app, out, env={"Parameters__api-key": "s3cret-from-environment-9904"}, target="kubernetes")
    assert result.returncode == 0, result.stderr
    files = tree(out)
    everything = b"".join(files.values()) + result.stdout.encode() + result.stderr.encode()
    for secret in ("s3cret-from-environment-9904", "s3cret-from-dotenv-7731", "s3cret-from-env-file-5512", "default-not-secret-either"):
        assert secret.encode() not in everything, secret
    values = yaml.safe_load(files["values.yaml"])
    assert values["secrets"] == {"api_key": "", "db_password": "", "cache_password": "", "web_token": ""}, "placeholders only"
    assert values["parameters"] == {"region": "eu-west-1"}
    assert "secrets.api_key, secrets.db_password, secrets.cache_password, secrets.web_token" in result.stdout
    objects = by_kind(helm_template(out))
    web_secret = objects[("Secret", "web-secret")]["stringData"]
    assert web_secret["API_KEY"] == "set-at-install-api_key" and web_secret["TOKEN"] == "set-at-install-web_token"
    assert "API_KEY" not in objects[("ConfigMap", "web-config")]["data"], "a secret is never in a ConfigMap"
    assert objects[("ConfigMap", "web-config")]["data"]["REGION"] == "eu-west-1"


def test_references_become_in_cluster_addresses_and_connection_strings_are_rebuilt_from_values(tmp_path):
    b = builder_in(tmp_path / "app")
    api = b.add_uvicorn_app("api", "./api", "main:app")
    db = b.add_postgres("pg").add_database("orders")
    b.add_python_app("web", "./web", "web.py").with_http_endpoint(env="PORT").with_reference(api).with_reference(db)
    publish_model(b, tmp_path / "out", "kubernetes")
    objects = by_kind(helm_template(tmp_path / "out", "--set-string", "secrets.pg_password=pw"))
    config = objects[("ConfigMap", "web-config")]["data"]
    assert config["services__api__http__0"] == "http://api:8080" and config["API_HTTP"] == "http://api:8080"
    assert config["PORT"] == "8080"
    secret = objects[("Secret", "web-secret")]["stringData"]
    assert secret["ConnectionStrings__orders"] == "host=pg port=5432 user=postgres password=pw dbname=orders"
    assert secret["ORDERS_URI"] == "postgresql://postgres:pw@pg:5432/orders"
    service = objects[("Service", "api")]["spec"]
    assert service["type"] == "ClusterIP" and service["ports"] == [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]
    assert service["selector"] == {"app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "release"}
    labels = objects[("Deployment", "api")]["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "Helm" and labels["app.kubernetes.io/component"] == "uvicorn-app"


def test_a_data_volume_makes_a_stateful_set_with_a_claim_template_and_health_checks_make_probes(tmp_path):
    b = builder_in(tmp_path / "app")
    b.add_redis("cache").with_data_volume()
    b.add_python_app("web", ".", "web.py").with_http_endpoint(env="PORT").with_http_health_check("/health", status_code=204)
    publish_model(b, tmp_path / "out", "kubernetes")
    objects = by_kind(helm_template(tmp_path / "out"))
    cache = objects[("StatefulSet", "cache")]["spec"]
    assert cache["serviceName"] == "cache"
    assert cache["volumeClaimTemplates"][0]["metadata"]["name"] == "cache-data"
    container = cache["template"]["spec"]["containers"][0]
    assert container["volumeMounts"] == [{"name": "cache-data", "mountPath": "/data"}]
    assert "redis-cli" in container["readinessProbe"]["exec"]["command"][2]
    web = objects[("Deployment", "web")]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http", "scheme": "HTTP"}
    assert web["livenessProbe"]["periodSeconds"] == 15


def test_waits_become_init_containers_and_a_completion_wait_makes_a_job(tmp_path):
    b = builder_in(tmp_path / "app")
    db = b.add_postgres("pg").add_database("orders")
    migrate = b.add_python_module("migrate", ".", "alembic", "upgrade", "head").with_pip().wait_for(db)
    api = b.add_uvicorn_app("api", ".", "main:app")
    b.add_python_app("app", ".", "app.py").wait_for(db).wait_for_start(api).wait_for_completion(migrate)
    publish_model(b, tmp_path / "out", "kubernetes")
    objects = by_kind(helm_template(tmp_path / "out", "--set-string", "secrets.pg_password=pw", "--set", "waitImage.tag=1.37"))
    pod = objects[("Deployment", "app")]["spec"]["template"]["spec"]
    assert [(c["name"], c["image"], c["command"][2]) for c in pod["initContainers"]] == [
        ("wait-for-pg", "docker.io/library/busybox:1.37", "until nc -z -w 2 pg 5432; do echo waiting for pg:5432; sleep 2; done"),
        ("wait-for-api", "docker.io/library/busybox:1.37", "until nc -z -w 2 api 8080; do echo waiting for api:8080; sleep 2; done"),
    ], "a database waits for its server; the image is a value"
    job = objects[("Job", "migrate-1")]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"
    assert job["spec"]["template"]["spec"]["initContainers"][0]["name"] == "wait-for-pg"
    assert ("Deployment", "migrate") not in objects and ("Deployment", "app-install") not in objects


def test_publishing_the_chart_twice_gives_byte_identical_files(tmp_path):
    app = app_with_secrets(tmp_path)
    assert publish_cli(app, app / "publish", target="kubernetes").returncode == 0
    once = tree(app / "publish")
    assert publish_cli(app, app / "publish", target="kubernetes").returncode == 0
    assert tree(app / "publish") == once
    assert str(tmp_path).encode() not in b"".join(once.values()), "no path of this machine"


def test_a_bind_mount_cannot_be_published_to_kubernetes_and_nothing_is_written(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "static").mkdir()
    (app / "apphost.py").write_text(
        "from pyspire import DistributedApplication\n"
        "builder = DistributedApplication.create_builder()\n"
        "builder.add_container('web', 'docker.io/library/nginx', tag='1.27').with_bind_mount('./static', '/usr/share/nginx/html')\n"
        "builder.add_executable('tool', 'mytool', '.')\n"
        "builder.build().run()\n"
    )
    result = publish_cli(app, tmp_path / "out", target="kubernetes")
    assert result.returncode == 2
    assert "the app cannot be published to kubernetes; nothing was written" in result.stderr
    assert "web" in result.stderr and "bind mount /usr/share/nginx/html" in result.stderr
    assert "with_volume('web-files', '/usr/share/nginx/html')" in result.stderr
    assert "tool" in result.stderr and ".with_image(" in result.stderr, "the core's problems are listed too"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_node_app_shares_its_pods_process_namespace_so_sigterm_stops_it_and_python_apps_do_not_need_to(tmp_path):
    b = builder_in(tmp_path / "app")
    (tmp_path / "app" / "web").mkdir(parents=True)
    (tmp_path / "app" / "web" / "package.json").write_text('{"name": "web"}\n')
    b.add_node_app("web", "./web", "server.js").with_http_endpoint(env="PORT")
    b.add_python_app("worker", ".", "worker.py")
    publish_model(b, tmp_path / "out", "kubernetes")
    objects = by_kind(helm_template(tmp_path / "out"))
    assert objects[("Deployment", "web")]["spec"]["template"]["spec"]["shareProcessNamespace"] is True
    assert "shareProcessNamespace" not in objects[("Deployment", "worker")]["spec"]["template"]["spec"]
    dockerfile = (tmp_path / "out" / "images" / "worker" / "Dockerfile").read_text().splitlines()
    assert "STOPSIGNAL SIGINT" in dockerfile, "Python as PID 1 stops on SIGINT, which it handles"
