"""Reads a bastion's incident spool for the engine; this file runs ON the bastion.

orchestrator/exercise/incidents.py sends this source with `python3 -I -c` into
one long-lived exec as the unprivileged `rangectl-spool` user, who owns the
spool (mode 1733: trainees create files in it, cannot list it or touch each
other's) and the private archive beside it; both are made at image build
(images/bastion/Dockerfile), and this reader never creates a directory.

Everything in the spool is a trainee's, so nothing in it is trusted: entries
are opened by name relative to the spool with O_NOFOLLOW and O_NONBLOCK
(a symbolic link or a FIFO is refused, never followed or waited on), only a
regular file with one link is read, and at most MAX_BYTES of it. The reader
does not judge what a report says: it returns each file's text, or why it
could not read it, and the engine validates it (scoring/incidents.py). Files
are archived by the name they were read under, once the engine has recorded
them, and the archive is a sibling of the spool that trainees cannot enter.

One request line in ({"archive": [names]}), one answer line out
({"entries": [{"file", "owner", "text" | "reason"}]} or {"error": "..."}).
Standard library only: it runs on the bastion's own python3.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pwd
import stat
import sys
from typing import Any

SPOOL = "/var/spool/rangectl/incidents"
ARCHIVE = "/var/spool/rangectl/archive"
MAX_BYTES = 32 * 1024  # scoring.incidents.MAX_BYTES: a larger file is refused unread
BATCH = 32  # entries per answer: a flood of files cannot make an answer huge
KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket",
         stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFLNK: "a symbolic link"}


def printable(name: str) -> str:
    """A file name as the engine sees it: JSON-escaped (no control characters, no
    undecodable bytes), one to one, so the engine can name it back."""
    return json.dumps(name)[1:-1]


def owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def read_entry(name: str, spool: int) -> dict[str, Any]:
    """One spool entry: its text, or why it is refused (never followed, never blocked on)."""
    entry: dict[str, Any] = {"file": printable(name), "owner": ""}
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
                     | os.O_CLOEXEC, dir_fd=spool)
    except OSError as exc:
        entry["reason"] = "a symbolic link, not a file" if exc.errno == errno.ELOOP \
            else f"cannot be opened: {exc.strerror}"
        with contextlib.suppress(OSError):
            entry["owner"] = owner(os.stat(name, dir_fd=spool, follow_symlinks=False).st_uid)
        return entry
    try:
        info = os.fstat(fd)
        entry["owner"] = owner(info.st_uid)
        if not stat.S_ISREG(info.st_mode):
            kind = KINDS.get(stat.S_IFMT(info.st_mode), "not a file")
            entry["reason"] = f"{kind}, not a file"
        elif info.st_nlink != 1:
            entry["reason"] = "a hard link to another file"
        elif info.st_size > MAX_BYTES:
            entry["reason"] = f"larger than {MAX_BYTES} bytes"
        else:
            data = read_at_most(fd, MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                entry["reason"] = f"larger than {MAX_BYTES} bytes"
            else:
                entry["text"] = data.decode("utf-8")
    except UnicodeDecodeError:
        entry["reason"] = "not UTF-8 text"
    except OSError as exc:
        entry["reason"] = f"cannot be read: {exc.strerror}"
    finally:
        os.close(fd)
    return entry


def read_at_most(fd: int, limit: int) -> bytes:
    """Up to `limit` bytes: a file still growing cannot make the reader read on."""
    data = b""
    while len(data) < limit:
        chunk = os.read(fd, limit - len(data))
        if not chunk:
            break
        data += chunk
    return data


def archive(name: str, spool: int, done: int) -> bool:
    """Move an entry into the archive under the name it was read as (plus .N if an
    earlier file had that name); False if it cannot be moved."""
    target = name
    for attempt in range(1, 100):
        try:
            os.stat(target, dir_fd=done, follow_symlinks=False)
        except FileNotFoundError:
            break
        target = f"{name}.{attempt}"
    else:
        return False
    try:
        os.rename(name, target, src_dir_fd=spool, dst_dir_fd=done)
    except OSError:
        return False
    return True


def handle(request: dict[str, Any], stuck: set[str], spool_path: str,
           archive_path: str) -> dict[str, Any]:
    """Archive what the engine recorded, then read the next batch of entries."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        spool, done = os.open(spool_path, flags), os.open(archive_path, flags)
    except OSError as exc:
        return {"error": f"the spool cannot be opened ({exc.strerror}): is the bastion image "
                         "current? (rangectl images build)"}
    try:
        names = {printable(name): name for name in os.listdir(spool) if not name.startswith(".")}
        for file in request.get("archive", []):
            name = names.pop(str(file), None)
            if name is not None and not archive(name, spool, done):
                stuck.add(name)  # not offered again by this reader: it cannot be moved
        waiting = sorted(name for name in names.values() if name not in stuck)
        return {"entries": [read_entry(name, spool) for name in waiting[:BATCH]]}
    finally:
        os.close(spool)
        os.close(done)


def main(argv: list[str]) -> int:
    spool_path = argv[0] if argv else SPOOL  # other paths: for tests off the bastion
    archive_path = argv[1] if len(argv) > 1 else ARCHIVE
    stuck: set[str] = set()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = handle(request if isinstance(request, dict) else {}, stuck, spool_path,
                            archive_path)
        except Exception as exc:  # one bad request must not end the reader
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
