"""The Dockerfiles pyspire writes for the integrations' apps: uv in two stages when the app has a
lock file, pip otherwise, the Node package manager's frozen install, a non-root user, and the
versions the app's own files name."""

from __future__ import annotations

from tests.publish.models import builder_in, compose_of, publish_model


def _dockerfile(out, name):
    return (out / name / "Dockerfile").read_text()


def test_a_python_app_with_a_uv_lock_builds_in_two_stages_with_uv_sync_frozen(tmp_path):
    app = tmp_path / "app"
    (app / "api").mkdir(parents=True)
    (app / "api" / "pyproject.toml").write_text("[project]\nname = 'api'\nversion = '1'\n")
    (app / "api" / "uv.lock").write_text("version = 1\n")
    (app / "api" / ".python-version").write_text("3.13\n")
    b = builder_in(app)
    b.add_uvicorn_app("api", "./api", "api.main:app").with_uv()
    publish_model(b, tmp_path / "out")
    lines = _dockerfile(tmp_path / "out", "api").splitlines()
    assert "FROM docker.io/library/python:3.13-slim AS build" in lines, "the version the app names"
    assert "RUN uv sync --frozen --no-dev --no-install-project" in lines
    assert (
        lines.index("COPY pyproject.toml uv.lock ./")
        < lines.index("COPY --from=source /src /app")
        < lines.index("RUN uv sync --frozen --no-dev --no-editable")
    ), "dependencies first, then the app's files"
    assert "ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv" in lines
    runtime = lines[lines.index("FROM docker.io/library/python:3.13-slim") :]
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert "COPY --from=source --chown=app:app /src /app" in runtime
    assert runtime[-3:] == ["USER app", "STOPSIGNAL SIGINT", 'ENTRYPOINT ["python"]'], "runs as a non-root user, stops on SIGINT as PID 1"
    assert "useradd --create-home --uid 10001 app" in runtime[1]
    assert compose_of(tmp_path / "out")["services"]["api"]["build"] == {"context": "../app/api", "dockerfile": "../../out/api/Dockerfile"}


def test_a_python_app_with_requirements_installs_them_with_pip_runs_as_app_and_never_gets_the_hosts_env(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("httpx\n")
    b = builder_in(app)
    b.add_python_app("job", ".", "job.py").with_pip()
    publish_model(b, tmp_path / "out")
    lines = _dockerfile(tmp_path / "out", "job").splitlines()
    assert "FROM docker.io/library/python:3.12-slim" in lines
    assert lines.index("RUN pip install --no-cache-dir -r requirements.txt") < lines.index("USER app")
    assert "uv" not in "\n".join(lines)
    ignored = (tmp_path / "out" / "job" / "Dockerfile.dockerignore").read_text().splitlines()
    assert {".venv", "node_modules", ".env*", ".pyspire"} <= set(ignored)
    source = lines[lines.index("FROM docker.io/library/python:3.12-slim AS source") :][:3]
    assert source[1] == "COPY . /src" and "-name '.env*'" in source[2] and "-prune -exec rm -rf {} +" in source[2], (
        "the host's .env never reaches the image, even where the engine ignores the ignore file"
    )


def test_node_apps_install_with_their_package_managers_frozen_lock_and_run_as_the_node_user_under_an_init(tmp_path):
    app = tmp_path / "app"
    for folder, lock in (("web", "package-lock.json"), ("admin", "pnpm-lock.yaml")):
        (app / folder).mkdir(parents=True)
        (app / folder / "package.json").write_text('{"name": "x", "scripts": {"start": "node s.js"}}\n')
        (app / folder / lock).write_text("{}\n")
    (app / "web" / ".nvmrc").write_text("v20.11.1\n")
    b = builder_in(app)
    b.add_npm_app("web", "./web", script="start").with_http_endpoint(env="PORT")
    b.add_node_app("admin", "./admin", "s.js")
    publish_model(b, tmp_path / "out")
    web = _dockerfile(tmp_path / "out", "web").splitlines()
    assert "FROM docker.io/library/node:20.11.1-slim AS deps" in web
    assert "COPY package.json package-lock.json ./" in web and "RUN npm ci && mkdir -p node_modules" in web
    runtime = web[web.index("FROM docker.io/library/node:20.11.1-slim") :]
    assert runtime[-4:] == [
        "COPY --from=source --chown=node:node /src /app",
        "COPY --from=deps --chown=node:node /app/node_modules ./node_modules",
        "USER node",
        'ENTRYPOINT ["npm"]',
    ]
    admin = _dockerfile(tmp_path / "out", "admin").splitlines()
    assert admin.count("RUN corepack enable") == 2, "pnpm installs in one stage and runs in the other"
    assert "RUN pnpm install --frozen-lockfile && mkdir -p node_modules" in admin
    assert admin[-1] == 'ENTRYPOINT ["node"]'
    services = compose_of(tmp_path / "out")["services"]
    assert services["web"]["command"] == ["run", "start", "--"]
    assert services["admin"]["command"] == ["s.js"]
    assert services["web"]["init"] is True and services["admin"]["init"] is True, "Node as PID 1 would ignore SIGTERM"
