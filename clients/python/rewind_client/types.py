"""Typed results. Each keeps the full JSON in `raw`, so fields added by the server are not lost."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass(frozen=True)
class Served:
    """What GET /online/{view}/{entity} answers for one entity."""

    view: str
    version: int
    entity: str
    found: bool
    features: Dict[str, Any]
    disabled: List[str] = field(default_factory=list)
    arm: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Dict[str, Any]) -> "Served":
        return cls(
            view=body["view"],
            version=body["version"],
            entity=body["entity"],
            found=body["found"],
            features=dict(body["features"]),
            disabled=list(body.get("disabled", [])),
            arm=body.get("arm"),
            raw=body,
        )


@dataclass(frozen=True)
class Batch:
    """POST /online/{view}/batch: one `Served` per requested entity, in the request's order."""

    view: str
    results: List[Served]

    def by_entity(self) -> Dict[str, Served]:
        return {r.entity: r for r in self.results}


@dataclass(frozen=True)
class Status:
    """A view's pointer (GET /views/{view})."""

    view: str
    stable: Optional[int]
    revision: int
    previous_stable: List[int]
    rolled_back: List[int]
    disabled_features: List[str]
    candidate: Optional[Dict[str, Any]]
    updated_at: Optional[str]
    updated_by: Optional[str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_pointer(cls, pointer: Dict[str, Any]) -> "Status":
        return cls(
            view=pointer["view"],
            stable=pointer.get("stable"),
            revision=pointer.get("revision", 0),
            previous_stable=list(pointer.get("previousStable", [])),
            rolled_back=list(pointer.get("rolledBack", [])),
            disabled_features=list(pointer.get("disabledFeatures", [])),
            candidate=pointer.get("candidate"),
            updated_at=pointer.get("updatedAt"),
            updated_by=pointer.get("updatedBy"),
            raw=pointer,
        )


@dataclass(frozen=True)
class PointerChange:
    """What activate and rollback answer: whether the pointer moved, and where it is now."""

    changed: bool
    from_version: Optional[int]
    to_version: Optional[int]
    status: Status
    audit_id: Optional[str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Dict[str, Any]) -> "PointerChange":
        return cls(
            changed=body.get("changed", True),
            from_version=body.get("fromVersion"),
            to_version=body.get("toVersion"),
            status=Status.from_pointer(body["pointer"]),
            audit_id=body.get("auditId"),
            raw=body,
        )


@dataclass(frozen=True)
class Version:
    """A deployed version (POST /views/{view}/versions)."""

    view: str
    version: int
    status: str
    rows: Optional[int]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Dict[str, Any]) -> "Version":
        return cls(view=body["view"], version=body["version"], status=body.get("status", ""), rows=(body.get("snapshot") or {}).get("rows"), raw=body)


@dataclass(frozen=True)
class HistoryEntry:
    """One pointer change, newest first in `Client.history`."""

    revision: int
    action: str
    actor: str
    at: str
    from_version: Optional[int]
    to_version: Optional[int]
    reason: Optional[str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Dict[str, Any]) -> "HistoryEntry":
        return cls(
            revision=body["revision"],
            action=body["action"],
            actor=body["actor"],
            at=body["at"],
            from_version=body.get("fromVersion"),
            to_version=body.get("toVersion"),
            reason=body.get("reason"),
            raw=body,
        )


@dataclass(frozen=True)
class AuditVerification:
    """GET /audit/verify: whether every hash chain is intact."""

    ok: bool
    entries: int
    chains: int
    problems: List[Dict[str, Any]]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Dict[str, Any]) -> "AuditVerification":
        return cls(ok=body["ok"], entries=body.get("entries", 0), chains=body.get("chains", 0), problems=list(body.get("problems", [])), raw=body)


@dataclass(frozen=True)
class AsOf:
    """GET /views/{view}/as-of?at=: the pointer in force then (None before the first activation) and the records it named."""

    view: str
    at: str
    pointer: Optional[Dict[str, Any]]
    set_by: Optional[Dict[str, Any]]
    versions: List[Dict[str, Any]]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def stable(self) -> Optional[int]:
        return (self.pointer or {}).get("stable")

    @classmethod
    def from_json(cls, body: Dict[str, Any]) -> "AsOf":
        return cls(view=body["view"], at=body["at"], pointer=body.get("pointer"), set_by=body.get("setBy"), versions=list(body.get("versions", [])), raw=body)


@dataclass(frozen=True)
class TrainingSet:
    """POST /views/{view}/training-sets: the stored Parquet file (`uri`, a short-lived `download_url`) and its summary."""

    view: str
    id: str
    uri: str
    bytes: int
    download_url: str
    summary: Dict[str, Any]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Dict[str, Any]) -> "TrainingSet":
        return cls(view=body["view"], id=body["id"], uri=body["uri"], bytes=body["bytes"], download_url=body["downloadUrl"], summary=dict(body["summary"]), raw=body)
