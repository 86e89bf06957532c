"""A stand-in for the Hugging Face Hub, just big enough for ``snapshot_download``.

Tests start it on 127.0.0.1 (an ephemeral port) and point ``HF_ENDPOINT`` at it, so no test
ever reaches the real hub. It serves one model repository at one revision and implements
only what huggingface_hub 2.x calls while downloading a snapshot:

- ``GET /api/models/{repo}/revision/{rev}``  model info; gives the commit sha of ``rev``
- ``GET /api/models/{repo}/tree/{rev}``      the file listing (path, size, blob id, LFS info)
- ``HEAD|GET /{repo}/resolve/{rev}/{file}``  file metadata and content, with ``Range`` support

Headers the client relies on: ``X-Repo-Commit`` (commit sha), ``ETag`` (git blob id, or the
sha256 for LFS files), ``Content-Length``, ``X-Linked-Size``/``X-Linked-Etag`` for LFS files,
and ``X-Error-Code`` on errors (``RepoNotFound``, ``RevisionNotFound``, ``GatedRepo``,
``EntryNotFound``), which huggingface_hub turns into its typed exceptions.

Options (attributes of :class:`FakeHub`, changeable while it runs):

- ``gated_token``: when set, file downloads need ``Authorization: Bearer <gated_token>``;
  none gives 401, another token 403 (both ``X-Error-Code: GatedRepo``), as the hub does.
- ``drop_once``: a file name; the first full GET of it sends the headers and ``drop_after``
  bytes of the body (default: half), then closes the connection. huggingface_hub reads in
  10 MiB chunks and only resumes from whole chunks it has written, so to see a resume with
  ``Range`` the drop must come after the first 10 MiB.
- ``api_status``: when set, the two ``/api/`` endpoints answer with this HTTP status (e.g. 503).
- ``requests``: every request received, as :class:`Recorded` (method, path, headers).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

_REPO = r"(?P<repo>[^/]+/[^/]+)"
_INFO_PATH = re.compile(rf"^/api/models/{_REPO}/revision/(?P<rev>[^/]+)$")
_TREE_PATH = re.compile(rf"^/api/models/{_REPO}/tree/(?P<rev>[^/]+)(?:/(?P<sub>.*))?$")
_RESOLVE_PATH = re.compile(rf"^/{_REPO}/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")
_RANGE = re.compile(r"^bytes=(?P<start>\d+)-(?P<end>\d*)$")
_LFS_SUFFIXES = (".safetensors", ".bin")


@dataclass(frozen=True)
class Recorded:
    """One request the stand-in hub received."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FakeHub:
    """One repository at one revision, and the switches the tests flip.

    ``files`` maps repo paths to their content; ``revision`` is the name clients ask for (a
    short sha or a branch); ``commit`` is the full 40-hex sha it resolves to. The full sha is
    accepted as a revision too, as on the real hub.
    """

    repo_id: str
    revision: str
    commit: str
    files: dict[str, bytes]
    gated_token: str | None = None
    drop_once: str | None = None
    drop_after: int | None = None
    api_status: int | None = None
    requests: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _dropped: set[str] = field(default_factory=set, repr=False)

    def knows_revision(self, rev: str) -> bool:
        """True for the revision name and for the full commit sha it stands for."""
        return rev in (self.revision, self.commit)

    def record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(Recorded(method, path, headers))

    def should_drop(self, filename: str) -> bool:
        """True exactly once for the file named by ``drop_once``."""
        with self._lock:
            if filename != self.drop_once or filename in self._dropped:
                return False
            self._dropped.add(filename)
            return True

    def file_etag(self, filename: str) -> str:
        """sha256 for LFS-style files, a git-style blob sha1 for the others (as the hub does)."""
        data = self.files[filename]
        if is_lfs(filename):
            return hashlib.sha256(data).hexdigest()
        return self._blob_id(data)

    def tree(self) -> list[dict]:
        """The listing ``/api/models/{repo}/tree/{rev}`` returns."""
        entries = []
        for path in sorted(self.files):
            data = self.files[path]
            entry = {"type": "file", "path": path, "size": len(data), "oid": self._blob_id(data)}
            if is_lfs(path):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            entries.append(entry)
        return entries

    def info(self) -> dict:
        """The model info ``/api/models/{repo}/revision/{rev}`` returns."""
        return {
            "id": self.repo_id,
            "modelId": self.repo_id,
            "sha": self.commit,
            "private": False,
            "gated": "manual" if self.gated_token else False,
            "siblings": [{"rfilename": p} for p in sorted(self.files)],
        }

    @staticmethod
    def _blob_id(data: bytes) -> str:
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_lfs(filename: str) -> bool:
    """Whether the stand-in treats ``filename`` as an LFS file (weights)."""
    return filename.endswith(_LFS_SUFFIXES)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hub: FakeHub  # set on the subclass made by serve()

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass  # keep pytest output clean

    def do_GET(self):
        self._dispatch(send_body=True)

    def do_HEAD(self):
        self._dispatch(send_body=False)

    def _dispatch(self, send_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        self.hub.record(self.command, path, {k.lower(): v for k, v in self.headers.items()})
        if match := _INFO_PATH.match(path):
            self._api(match, self.hub.info(), send_body)
        elif match := _TREE_PATH.match(path):
            self._api(match, self.hub.tree(), send_body)
        elif match := _RESOLVE_PATH.match(path):
            self._resolve(match, send_body)
        else:
            self._error(404, "RepoNotFound", f"no route for {path}", send_body)

    def _api(self, match: re.Match, payload, send_body: bool) -> None:
        if self.hub.api_status is not None:
            self._error(self.hub.api_status, "", "the stand-in hub was told to fail", send_body)
            return
        if not self._repo_and_revision_ok(match, send_body):
            return
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Repo-Commit", self.hub.commit)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _resolve(self, match: re.Match, send_body: bool) -> None:
        if not self._repo_and_revision_ok(match, send_body) or not self._access_ok(send_body):
            return
        filename = match["file"]
        if filename not in self.hub.files:
            self._error(404, "EntryNotFound", f"{filename} does not exist", send_body)
            return
        data = self.hub.files[filename]
        start, end = self._byte_range(len(data))
        etag = self.hub.file_etag(filename)
        self.send_response(206 if self.headers.get("Range") else 200)
        self.send_header("Content-Length", str(end - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{etag}"')
        self.send_header("X-Repo-Commit", self.hub.commit)
        if is_lfs(filename):
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("X-Linked-Etag", f'"{etag}"')
        if self.headers.get("Range"):
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.end_headers()
        if not send_body:
            return
        if start == 0 and self.hub.should_drop(filename):
            cut = self.hub.drop_after if self.hub.drop_after is not None else len(data) // 2
            self.wfile.write(data[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # the client sees the body end early
            return
        self.wfile.write(data[start:end])

    def _byte_range(self, size: int) -> tuple[int, int]:
        """(start, end-exclusive) from the request's Range header; the whole file without one."""
        match = _RANGE.match(self.headers.get("Range", "") or "")
        if not match:
            return 0, size
        start = min(int(match["start"]), size)
        end = int(match["end"]) + 1 if match["end"] else size
        return start, min(end, size)

    def _repo_and_revision_ok(self, match: re.Match, send_body: bool) -> bool:
        if match["repo"] != self.hub.repo_id:
            self._error(401, "RepoNotFound", "Repository not found", send_body)
            return False
        if not self.hub.knows_revision(match["rev"]):
            self._error(404, "RevisionNotFound", f"Invalid rev id: {match['rev']}", send_body)
            return False
        return True

    def _access_ok(self, send_body: bool) -> bool:
        wanted = self.hub.gated_token
        if wanted is None:
            return True
        given = self.headers.get("Authorization", "")
        if given == f"Bearer {wanted}":
            return True
        if not given:
            self._error(401, "GatedRepo", f"Access to model {self.hub.repo_id} is restricted. Please log in.", send_body)
        else:
            self._error(403, "GatedRepo", f"Access to model {self.hub.repo_id} is restricted.", send_body)
        return False

    def _error(self, status: int, code: str, message: str, send_body: bool) -> None:
        body = json.dumps({"error": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if code:
            self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class RunningHub:
    """A :class:`FakeHub` served on 127.0.0.1; use as a context manager, or call close()."""

    def __init__(self, hub: FakeHub):
        handler = type("BoundHandler", (_Handler,), {"hub": hub})
        self.hub = hub
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-hub", daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        """Base URL to use as HF_ENDPOINT."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "RunningHub":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
