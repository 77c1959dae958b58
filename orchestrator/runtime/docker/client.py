"""Connect to the Docker engine, and word its failures for a controller."""

from __future__ import annotations

import os
from typing import Any

import docker
import docker.errors
from docker.transport.unixconn import UnixHTTPAdapter

from orchestrator import labels
from orchestrator.errors import RuntimeFailureError

TIMEOUT = 120  # seconds an API call may take: a loaded engine is slow, not gone


def connect(max_pool_size: int = 16, base_url: str | None = None) -> Any:
    """A low-level API client; fails with a message that says how to start an engine.

    `base_url` is another engine's address (a swarm node's `rangectl.engine` label):
    `tcp://HOST:PORT`, or `ssh://USER@HOST`, reached with the system's ssh client (and
    its ~/.ssh/config), as the docker command itself does."""
    url = base_url or _base_url()
    try:
        client = docker.APIClient(base_url=url, max_pool_size=max_pool_size, timeout=TIMEOUT,
                                  version="auto", use_ssh_client=url.startswith("ssh://"))
        if url.startswith("unix://"):
            _one_pool(client, url, max_pool_size)
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        if base_url is not None:
            raise RuntimeFailureError(
                f"cannot reach the Docker engine at {base_url}: {_first_line(exc)}",
                "check the node's rangectl.engine label and that its engine listens there "
                "(rangectl sites lists every node)") from None
        raise RuntimeFailureError(
            f"cannot reach the Docker engine: {_first_line(exc)}",
            "start it (make setup starts one on Debian), or set DOCKER_HOST",
        ) from None
    return client


class _SocketAdapter(UnixHTTPAdapter):  # type: ignore[misc]
    """One connection pool for the engine's socket.

    docker-py keys its pools by the whole request URL, so every container and
    exec id got a pool of its own (25 kept, the oldest closed): a call on a new
    id opened a new connection. Measured: 0.91 ms of controller CPU a request,
    0.56 ms with one pool and no proxy lookup; a tick reads 24 bastions' logs.
    """

    def get_connection(self, url: str, proxies: Any = None) -> Any:
        return super().get_connection("http+docker://localhost", proxies)


def _one_pool(client: Any, url: str, max_pool_size: int) -> None:
    adapter = _SocketAdapter(url.replace("unix://", "http+unix://", 1), TIMEOUT,
                             max_pool_size=max_pool_size)
    client.mount("http+docker://", adapter)
    client._custom_adapter = adapter  # docker-py closes it from there
    # No proxy reaches a local socket: requests would walk the environment per call.
    client.trust_env = False


def local_engine_url() -> str:
    """The address of the engine this controller talks to, as DOCKER_HOST spells it."""
    return _base_url()


def _base_url() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def explain_api_error(exc: Exception) -> str:
    """Docker's own explanation, without the HTTP noise around it."""
    if isinstance(exc, docker.errors.APIError):
        explanation = exc.explanation
        if isinstance(explanation, bytes):
            explanation = explanation.decode(errors="replace")
        return str(explanation or exc)
    return _first_line(exc)


def exercise_filter(exercise: str, **extra: str) -> dict[str, list[str]]:
    """A Docker list filter for the objects of one exercise (and more labels)."""
    return {"label": labels.selector(exercise, **extra)}
