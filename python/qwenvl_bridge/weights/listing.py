"""What a commit of a model repository holds: its files and their sizes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RemoteFile:
    """One file of a snapshot: its path in the repo and its size in bytes."""

    path: str
    size: int


@dataclass(frozen=True)
class Listing:
    """The files of a repo at one commit."""

    commit: str
    files: tuple[RemoteFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)
