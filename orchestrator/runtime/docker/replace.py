"""Putting one host back mid-exercise: recreate its container, or return it to a snapshot.

A reset must leave the rest of the range alone and the host where trainees
and the scorebot know it: the new container gets the old one's labels (so
`up` and `down` treat it as the planned host), the same addresses, aliases,
limits and routes (`hosts._create` and `apply_routes`, as `up` makes them),
and the old one's SSH host keys, so the access kit's pinned keys stay true.
The old container is the blue team's, so what is read from it is checked:
only small regular files named like host keys are carried over.

Snapshots are `docker commit`s of a host's file system, tagged per exercise,
team and host (`rangectl-snapshot/EXERCISE/TEAM/HOST:NAME`) and labelled with
them; a snapshot is found by its labels and used by its image id, never by the
tag, so it is only ever offered back to the host it was taken of, and `down`
removes it with the range.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
from typing import Any

from orchestrator import labels as label
from orchestrator.errors import RuntimeFailureError
from orchestrator.plan.model import PlannedHost, TeamRange
from orchestrator.runtime.docker.client import exercise_filter, explain_api_error
from orchestrator.runtime.docker.hosts import (
    apply_routes,
    create_container,
    host_failure,
    remove_container,
    start_container,
)

SNAPSHOT_LABEL = f"{label.PREFIX}.snapshot"
SNAPSHOT_REPOSITORY = "rangectl-snapshot"
HOST_KEY_PREFIX = "ssh_host_"
MAX_KEY_BYTES = 16 * 1024  # an ed25519 or RSA host key is far smaller
MAX_KEYS = 8
MAX_ETC_SSH = 4 * 1024 * 1024  # read no more of the old /etc/ssh than this


def snapshot_reference(exercise: str, team: str, host: str, name: str) -> str:
    return f"{SNAPSHOT_REPOSITORY}/{exercise}/{team}/{host}:{name}"


def find_container(api: Any, exercise: str, team: str, host: str) -> dict[str, Any]:
    """The host's container, running or not; an error naming it if there is none."""
    matches = api.containers(all=True, filters=exercise_filter(exercise, team=team, host=host))
    if not matches:
        raise RuntimeFailureError(f"team '{team}', host '{host}' has no container in exercise "
                                  f"'{exercise}'", "bring the range up: rangectl up FILE")
    return dict(matches[0])


def replace_container(api: Any, team: TeamRange, host: PlannedHost, image: str,
                      found: dict[str, Any]) -> None:
    """Remove the host's container and make it again from `image`, as `up` would.

    The old container is stopped first: nothing of the team's runs while its
    host keys are read, and it is removed anyway."""
    with contextlib.suppress(Exception):
        api.kill(found["Id"])
    keys = host_keys_archive(api, str(found["Id"]))
    remove_container(api, team, host, str(found["Id"]))
    container_id = create_container(api, team, host.model_copy(update={"image": image}),
                           dict(found.get("Labels") or {}), None)
    if keys is not None:
        try:
            api.put_archive(container_id, "/", keys)
        except Exception as exc:
            raise host_failure(team, host, "cannot give it its SSH host keys back", exc) from None
    start_container(api, team, host, container_id)
    apply_routes(api, team, host)


def host_keys_archive(api: Any, container_id: str) -> bytes | None:
    """A tar of the container's SSH host keys, ready to put back at `/`; None when it
    has none left that look like keys (the new container then makes its own)."""
    chunks: list[bytes] = []
    size = 0
    try:
        stream, _stat = api.get_archive(container_id, "/etc/ssh", chunk_size=64 * 1024)
        for chunk in stream:
            size += len(chunk)
            if size > MAX_ETC_SSH:  # something planted in /etc/ssh: no keys kept, none read
                stream.close()
                return None
            chunks.append(chunk)
    except Exception:
        return None
    data = b"".join(chunks)
    kept = io.BytesIO()
    count = 0
    with tarfile.open(fileobj=io.BytesIO(data)) as source, \
            tarfile.open(fileobj=kept, mode="w") as target:
        for member in source.getmembers():
            folder, _, name = member.name.partition("/")
            if (folder != "ssh" or "/" in name or not name.startswith(HOST_KEY_PREFIX)
                    or not member.isreg() or member.size > MAX_KEY_BYTES or count >= MAX_KEYS):
                continue
            content = source.extractfile(member)
            if content is None:
                continue
            info = tarfile.TarInfo(f"etc/ssh/{name}")
            info.size, info.uid, info.gid = member.size, 0, 0
            info.mode = 0o644 if name.endswith(".pub") else 0o600
            target.addfile(info, content)
            count += 1
    return kept.getvalue() if count else None


def commit_snapshot(api: Any, found: dict[str, Any], exercise: str, team: str, host: str,
                    name: str) -> str:
    """Save the container's file system as snapshot `name`; return its reference."""
    reference = snapshot_reference(exercise, team, host, name)
    repository, _, tag = reference.rpartition(":")
    changes = [f"LABEL {SNAPSHOT_LABEL}={name} {label.EXERCISE}={exercise} "
               f"{label.TEAM}={team} {label.HOST}={host}"]
    try:
        api.commit(found["Id"], repository=repository, tag=tag, changes=changes,
                   message=f"rangectl snapshot {name} of {team}/{host}")
    except Exception as exc:
        raise RuntimeFailureError(f"team '{team}', host '{host}': cannot take snapshot "
                                  f"'{name}': {explain_api_error(exc)}") from None
    return reference


def snapshot_images(api: Any, exercise: str, team: str, host: str) -> dict[str, str]:
    """The snapshots taken of one host in this exercise: name -> image id (the newest
    of a name taken twice)."""
    images = api.images(filters={"label": [f"{SNAPSHOT_LABEL}",
                                           *label.selector(exercise, team=team, host=host)]})
    found: dict[str, str] = {}
    for image in sorted(images, key=lambda image: int(image.get("Created") or 0)):
        name = (image.get("Labels") or {}).get(SNAPSHOT_LABEL, "")
        if name:
            found[name] = str(image["Id"])
    return dict(sorted(found.items()))


def remove_snapshots(api: Any, exercise: str, rounds: int = 8) -> int:
    """Remove every snapshot image of the exercise on this engine; how many.

    Newest first, and again until none is left: a snapshot taken of a host that
    was returned to an earlier one is that one's child, and an image with
    children cannot be removed before them."""
    removed = 0
    for _ in range(rounds):
        images = _snapshots_of(api, exercise)
        if not images:
            return removed
        for image in sorted(images, key=lambda image: -int(image.get("Created") or 0)):
            try:
                api.remove_image(image["Id"], force=True)
                removed += 1
            except Exception:  # a parent of one not yet removed: the next round
                continue
    left = _snapshots_of(api, exercise)
    if left:
        raise RuntimeFailureError(f"cannot remove {len(left)} snapshot images of exercise "
                                  f"'{exercise}'", "remove them by hand: docker images "
                                  f"--filter label={SNAPSHOT_LABEL}")
    return removed


def _snapshots_of(api: Any, exercise: str) -> list[dict[str, Any]]:
    return list(api.images(all=True, filters={"label": [SNAPSHOT_LABEL,
                                                        *label.selector(exercise)]}))
