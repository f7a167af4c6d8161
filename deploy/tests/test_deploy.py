"""The shipping files agree with the service: the Dockerfile, deploy/ and the CI workflow.

`make validate` lints these files and checks them against their schemas. These tests check what
no schema can: that their timings, ports, paths, users and versions match the service's own.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import aio_pika
import pytest
import yaml
from quart import Quart

import myservice
from deploy.tests.shipping import (
    DEPLOY,
    container,
    dockerfile_instructions,
    image_environment,
    manifest,
    pod_spec,
    workflow_job,
)
from myservice import create_app
from myservice.core.identity import ENV_PREFIX, SERVICE
from myservice.core.serve.supervisor import shutdown_bound
from myservice.core.testing.guides import guide
from myservice.core.testing.live_server import LiveServer
from myservice.core.testing.service import PROJECT as REPO

# Kubernetes and docker start their clock a little before the server sees SIGTERM: the server's
# own deadline must come this long before theirs, so that it ends a late drain itself.
KILL_MARGIN = 5
BROKER = os.environ.get("TEST_BROKER_URL")
# Where the pods find the Secret's files.
SECRETS_MOUNT = f"/run/secrets/{SERVICE.replace('_', '-')}"


def documented_secret() -> dict[str, str]:
    """The keys docs/deploy.md puts in the Secret, with stand-in values.

    The broker is the tests' own, where they have one: the worker's pods connect to it.
    """
    text = guide("deploy.md").replace("\\\n", " ")
    [command] = re.findall(r"^kubectl create secret generic .*", text, re.MULTILINE)
    names = re.findall(r"--from-literal=(\w+)=", command)
    stand_ins = {"BROKER_URL": BROKER or "amqp://guest:guest@127.0.0.1:5672/"}
    return {name: stand_ins.get(name, "from-the-secret") for name in names}


@pytest.fixture
def pod_environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """What a pod's containers see: settings.yml of the image, the ConfigMap, the Secret's files.

    The Secret's files are written to a folder of the test's, where the ConfigMap's *_FILE
    settings are pointed; its database is the test's own (the migrated template's copy); on the
    broker, the exchanges are the test's own too, deleted after it.
    """
    monkeypatch.chdir(REPO)
    exchange = f"test_{uuid.uuid4().hex[:12]}"
    for name, value in {**documented_secret(), "DATABASE_URL": database_url}.items():
        (tmp_path / name).write_text(value + "\n")
    environment = {
        **{
            name: value.replace(SECRETS_MOUNT, str(tmp_path))
            for name, value in manifest("configmap.yaml")["data"].items()
        },
        "MYSERVICE_EVENTS_EXCHANGE": exchange,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    yield environment
    if BROKER is not None:
        asyncio.run(delete_exchanges(BROKER, [exchange, f"{exchange}.{myservice.__name__}.jobs"]))


async def delete_exchanges(url: str, names: list[str]) -> None:
    """Delete the exchanges `names` of the broker at `url`, where they were declared."""
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        for name in names:
            await channel.exchange_delete(name)


@pytest.fixture
def pod_app(pod_environment: dict[str, str]) -> Quart:
    """The app as a pod builds it."""
    return create_app()


async def test_the_pods_settings_start_the_service_with_the_api_docs_off(pod_app: Quart) -> None:
    """The ConfigMap names only known settings, with values of the right types, and takes effect."""
    client = pod_app.test_client()
    assert (await client.get("/openapi.json")).status_code == 404
    assert pod_app.config["LOG_FORMAT"] == "json"
    assert pod_app.config["SECRET_KEY"] == "from-the-secret"  # noqa: S105


def test_kubernetes_waits_for_the_drain_and_the_graceful_timeout(pod_app: Quart) -> None:
    """Kubernetes kills the pod only after the longest shutdown the server allows itself."""
    bound = shutdown_bound(pod_app.config)
    assert pod_spec()["terminationGracePeriodSeconds"] >= bound + KILL_MARGIN


@pytest.mark.parametrize("path", ["docs/deploy.md", ".github/workflows/check.yml"])
def test_docker_stop_waits_for_the_drain_and_the_graceful_timeout(path: str) -> None:
    """Every `docker run` shown that serves gives `docker stop` the same time (its default: 10 s)."""
    bound = shutdown_bound(create_app({"TESTING": True}).config)
    text = (REPO / path).read_text(encoding="utf-8").replace("\\\n", " ")
    commands = re.findall(r"^\s*docker run\b.*", text, re.MULTILINE)
    # A server is reached through a published port, or the host's network.
    commands = [
        command for command in commands if re.search(r" (-p|--publish|--network host) ", command)
    ]
    assert commands
    for command in commands:
        found = re.search(r"--stop-timeout (\d+)", command)
        assert found, command
        assert int(found[1]) >= bound + KILL_MARGIN


def test_service_links_would_stop_the_start_so_the_pods_have_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Service links inject MYSERVICE_ variables, which the service refuses; the pods turn them off."""
    # What Kubernetes injects for a Service named myservice when links are on.
    monkeypatch.setenv("MYSERVICE_SERVICE_HOST", "10.0.0.10")
    monkeypatch.setenv("MYSERVICE_PORT", "tcp://10.0.0.10:80")
    with pytest.raises(SystemExit, match="unknown setting"):
        create_app()
    assert pod_spec()["enableServiceLinks"] is False


async def test_the_probes_and_the_scrape_reach_endpoints_that_answer(pod_app: Quart) -> None:
    """Each probe path and the scrape path answer 200; readiness waits out its checks' timeout."""
    probes = [container()[probe]["httpGet"] for probe in ("startupProbe", "livenessProbe")]
    readiness = container()["readinessProbe"]
    annotations = manifest("deployment.yaml")["spec"]["template"]["metadata"]["annotations"]
    paths = [probe["path"] for probe in [*probes, readiness["httpGet"]]]
    async with pod_app.test_app():  # serving, its database open, as in the pod
        client = pod_app.test_client()
        for path in [*paths, annotations["prometheus.io/path"]]:
            assert (await client.get(path)).status_code == 200, path
    assert readiness["timeoutSeconds"] > pod_app.config["READINESS_TIMEOUT"]


def test_every_port_is_the_one_the_image_serves_on() -> None:
    """The image, the container, the probes, the scrape and the Service agree on one port."""
    ports = {port["name"]: port["containerPort"] for port in container()["ports"]}
    environment = {variable["name"]: variable["value"] for variable in container()["env"]}
    annotations = manifest("deployment.yaml")["spec"]["template"]["metadata"]["annotations"]
    served = int(image_environment()["PORT"])
    assert dockerfile_instructions("EXPOSE") == [str(served)]
    assert int(environment["PORT"]) == served
    assert int(annotations["prometheus.io/port"]) == served
    assert ports == {"http": served}
    probes = ("startupProbe", "livenessProbe", "readinessProbe")
    assert {container()[probe]["httpGet"]["port"] for probe in probes} == {"http"}
    assert manifest("service.yaml")["spec"]["ports"][0]["targetPort"] == "http"


def test_the_pod_runs_as_the_images_unprivileged_user() -> None:
    """The pod runs as the numeric user the image creates, which runAsNonRoot can verify."""
    user, group = dockerfile_instructions("USER")[-1].split(":")
    security = pod_spec()["securityContext"]
    assert (security["runAsUser"], security["runAsGroup"]) == (int(user), int(group))
    assert int(user) != 0
    assert security["runAsNonRoot"] is True


def test_the_only_writable_path_is_a_volume_at_tmp() -> None:
    """The root filesystem is read-only; /tmp, for temporary and metrics files, is a volume."""
    assert container()["securityContext"]["readOnlyRootFilesystem"] is True
    writable = {
        mount["name"]: mount["mountPath"]
        for mount in container()["volumeMounts"]
        if not mount.get("readOnly")
    }
    assert writable == {"tmp": "/tmp"}  # noqa: S108 (a volume of the pod's own)
    assert [volume["name"] for volume in pod_spec()["volumes"]] == ["tmp", "secrets"]


def test_every_kubernetes_name_is_a_dns_label() -> None:
    """Kubernetes refuses names with underscores or capitals, which package names may hold."""
    resources = set(DEPLOY.glob("*.yaml")) - {DEPLOY / "kustomization.yaml"}
    names = [manifest(path.name)["metadata"]["name"] for path in resources]
    names += [container()["name"], container()["image"]]
    for name in names:
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", name), name


def test_kustomize_applies_every_manifest_with_the_packages_version() -> None:
    """No manifest is left out of `kubectl apply -k`, and the image tag is `make image`'s."""
    kustomization = manifest("kustomization.yaml")
    manifests = {path.name for path in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(manifests)
    [image] = kustomization["images"]
    assert image == {"name": container()["image"], "newTag": myservice.__version__}
    assert image["name"] == myservice.__name__.replace("_", "-")  # what `make image` tags


def test_the_healthcheck_passes_while_the_server_lives_and_fails_once_it_stops(
    serve: Callable[..., LiveServer],
) -> None:
    """The image's HEALTHCHECK command, run as Docker runs it, exits 0 or 1 with the server."""
    [healthcheck] = dockerfile_instructions("HEALTHCHECK")
    program, *arguments = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert program == "python"
    server = serve()

    def healthcheck_status() -> int:
        environment = {"PATH": "", "PORT": str(server.port)}
        command = [sys.executable, *arguments]
        return subprocess.run(command, env=environment, capture_output=True, check=False).returncode

    assert healthcheck_status() == 0
    server.stop()
    assert healthcheck_status() == 1


def test_ci_runs_on_every_python_the_package_supports() -> None:
    """The CI matrix is the versions setup.py declares; the image's stages use one of them."""
    setup = (REPO / "setup.py").read_text(encoding="utf-8")
    declared = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', setup)
    minimum = re.search(r'python_requires=">=(3\.\d+)"', setup)
    assert workflow_job("check")["strategy"]["matrix"]["python"] == declared
    assert minimum is not None
    assert declared[0] == minimum[1]
    bases = {re.sub(r" AS \w+$", "", image) for image in dockerfile_instructions("FROM")}
    [base] = bases  # the build stage's venv runs on the runtime stage's Python
    python = re.fullmatch(r"python:(3\.\d+)-slim-\w+(@sha256:[0-9a-f]{64})?", base)
    assert python is not None
    assert python[1] in declared


def test_ci_starts_every_server_the_suites_are_given() -> None:
    """Each TEST_*_URL the Makefile gives make check is set in CI, to a service CI starts there."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    given = dict(re.findall(r"^(TEST_\w+_URL) \?= (\S+)$", makefile, re.MULTILINE))
    assert set(given) == {"TEST_DATABASE_URL", "TEST_REDIS_URL", "TEST_BROKER_URL"}
    job = workflow_job("check")
    started = {
        int(mapping.split(":")[0])
        for service in job["services"].values()
        for mapping in service["ports"]
    }
    for name, default in given.items():
        url = urlsplit(job["env"].get(name, ""))
        assert (url.hostname, url.port) == ("127.0.0.1", urlsplit(default).port), name
        assert url.port in started, f"{name} names port {url.port}, where CI starts no service"


def test_the_local_servers_are_cis_on_the_suites_ports() -> None:
    """compose.yaml starts the images CI starts, each on 127.0.0.1 at its TEST_*_URL's port."""
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))["services"]
    ci = workflow_job("check")["services"]
    assert {name: service["image"] for name, service in compose.items()} == {
        name: service["image"] for name, service in ci.items()
    }
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    given = dict(re.findall(r"^(TEST_\w+_URL) \?= (\S+)$", makefile, re.MULTILINE))
    published = {port for service in compose.values() for port in service["ports"]}
    assert published == {
        f"127.0.0.1:{urlsplit(url).port}:{urlsplit(url).port}" for url in given.values()
    }
    database = urlsplit(given["TEST_DATABASE_URL"]).path.lstrip("/")
    assert compose["postgres"]["environment"]["POSTGRES_DB"] == database


def test_the_documented_secret_holds_the_database_and_broker_urls_and_the_key() -> None:
    """Production's database, broker and signing key come from the Secret's files, each named."""
    assert set(documented_secret()) == {"DATABASE_URL", "BROKER_URL", "SECRET_KEY"}
    files = {
        name: value
        for name, value in manifest("configmap.yaml")["data"].items()
        if name.endswith("_FILE")
    }
    assert files == {
        f"{ENV_PREFIX}{key}_FILE": f"{SECRETS_MOUNT}/{key}" for key in documented_secret()
    }


@pytest.mark.parametrize("path", ["deployment.yaml", "worker.yaml"])
def test_the_secret_is_mounted_read_only_for_the_pods_group_alone(path: str) -> None:
    """Every container that reads settings has the Secret's files, readable by its group only."""
    spec = manifest(path)["spec"]["template"]["spec"]
    [secrets] = [volume for volume in spec["volumes"] if volume["name"] == "secrets"]
    assert secrets["secret"] == {"secretName": SERVICE.replace("_", "-"), "defaultMode": 0o440}
    assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsGroup"]
    for each in [*spec.get("initContainers", []), *spec["containers"]]:
        assert {"name": "secrets", "mountPath": SECRETS_MOUNT, "readOnly": True} in each[
            "volumeMounts"
        ]
        assert all("secretRef" not in source for source in each["envFrom"])


def test_the_pod_migrates_before_it_serves_with_the_same_image_and_settings() -> None:
    """An init container runs `quart db upgrade` from the app's image, with its settings."""
    [migrate] = pod_spec()["initContainers"]
    assert migrate["command"] == ["quart", "db", "upgrade"]
    assert migrate["image"] == container()["image"]
    assert migrate["envFrom"] == container()["envFrom"]
    assert migrate["securityContext"] == container()["securityContext"]
    assert image_environment()["QUART_APP"] == myservice.__name__


def test_the_init_containers_command_migrates_the_secrets_database(
    tmp_path: Path, pod_environment: dict[str, str]
) -> None:
    """The init container's command, run as the image runs it, migrates a new database."""
    [migrate] = pod_spec()["initContainers"]
    # The Secret's database file, as the pod reads it, now names a database that is not there.
    Path(pod_environment[f"{ENV_PREFIX}DATABASE_URL_FILE"]).write_text(
        f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}\n"
    )
    environment = {
        **os.environ,
        **pod_environment,
        "QUART_APP": image_environment()["QUART_APP"],
    }
    program, *arguments = migrate["command"]
    done = subprocess.run(
        [str(Path(sys.executable).with_name(program)), *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "fresh.db").is_file()


@pytest.mark.skipif(BROKER is None, reason="make test-all runs it, on the RabbitMQ of the machine")
async def test_the_worker_pods_run_the_worker_and_probe_what_it_answers(
    pod_environment: dict[str, str],
) -> None:
    """worker.yaml runs the app as make worker does, on its own port; its probes and scrape answer."""
    spec = manifest("worker.yaml")["spec"]["template"]
    [worker] = spec["spec"]["containers"]
    assert worker["command"] == ["python", "-m", f"{SERVICE}.core.serve"]
    environment = {variable["name"]: variable["value"] for variable in worker["env"]}
    assert environment[f"{ENV_PREFIX}ROLE"] == "worker"
    assert {port["containerPort"] for port in worker["ports"]} == {int(environment["PORT"])}
    assert spec["metadata"]["annotations"]["prometheus.io/port"] == environment["PORT"]
    paths = [worker[probe]["httpGet"]["path"] for probe in ("livenessProbe", "readinessProbe")]
    app = create_app({"ROLE": environment[f"{ENV_PREFIX}ROLE"]})
    async with app.test_app():
        client = app.test_client()
        for _ in range(100):  # the worker connects to its broker as it starts: ready then
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        for path in [*paths, spec["metadata"]["annotations"]["prometheus.io/path"]]:
            assert (await client.get(path)).status_code == 200, path
    assert spec["spec"]["terminationGracePeriodSeconds"] >= shutdown_bound(app.config) + 5
