"""
HTTP client for Rewind, standard library only (urllib, json, csv).

Retries: a 503 (the store is throttling, or keys were left unprocessed) is retried with
jittered exponential backoff, waiting at least what `Retry-After` says, up to `retries` times;
so is a connection refused or reset (a server restarting). Any other error is raised at once as
`RewindError` with the API's `code`, `message` and `field`.
"""
import csv
import json
import os
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from .errors import RewindError, RewindUnavailable
from .types import AsOf, AuditVerification, Batch, HistoryEntry, PointerChange, Served, Status, TrainingSet, Version

#: The server's limit per batch read (DynamoDB's keys per BatchGetItem).
MAX_BATCH_ENTITIES = 100

ViewSpec = Union[str, "os.PathLike[str]", Dict[str, Any]]


class Client:
    """`Client("http://127.0.0.1:3000", token)`: every call sends `Authorization: Bearer <token>`."""

    def __init__(self, url: str, token: str, timeout: float = 10.0, retries: int = 5, backoff_base: float = 0.1, backoff_max: float = 5.0):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max

    # --- serving -------------------------------------------------------------------------

    def get_online(self, view: str, entity: str, at: Optional[str] = None) -> Served:
        """
        The features served for one entity. `at` (an ISO time) is passed through as the `at`
        query parameter for time travel; a server without time travel ignores it and answers
        what is served now (check `Served.version`), and one that supports it but refuses the
        value raises RewindError(400, field='query.at').
        """
        query = {"at": at} if at is not None else None
        return Served.from_json(self._request("GET", f"/online/{_seg(view)}/{_seg(entity)}", query=query))

    def get_online_batch(self, view: str, entities: Iterable[str]) -> Batch:
        """Up to 100 distinct entities in one request (one read on the server), in order."""
        body = self._request("POST", f"/online/{_seg(view)}/batch", body={"entities": list(entities)})
        return Batch(view=body["view"], results=[Served.from_json(r) for r in body["results"]])

    # --- the control plane ---------------------------------------------------------------

    def deploy(self, view_file: ViewSpec, data_file: Optional[Union[str, "os.PathLike[str]"]] = None, activate: bool = False) -> Version:
        """
        Deploy a version. `view_file` is a JSON view file (the shape of examples/*.view.yaml:
        `view`, `definition`, `transformation`, `sources`, `consumers`, `changelog`) or that
        document as a dict. YAML is read only if PyYAML happens to be installed (the standard
        library has no YAML parser); otherwise convert it to JSON first. `data_file` is CSV
        (converted with the definition's types, as the server converts CSV) or JSON lines,
        sent inline.
        """
        spec = _load_view(view_file)
        view = spec.pop("view", None)
        if not view:
            raise ValueError("the view file has no `view:` name")
        body: Dict[str, Any] = dict(spec)
        if data_file is not None:
            body["rows"] = _read_rows(os.fspath(data_file), spec["definition"])
        if activate:
            body["activate"] = True
        return Version.from_json(self._request("POST", f"/views/{_seg(view)}/versions", body=body))

    def activate(self, view: str, version: int, expected_revision: Optional[int] = None, **release: Any) -> PointerChange:
        """Point the view at `version`; `release` passes `strategy`, `percent`, `bakeSeconds`."""
        body: Dict[str, Any] = {"version": version, **release}
        if expected_revision is not None:
            body["expectedRevision"] = expected_revision
        return PointerChange.from_json(self._request("POST", f"/views/{_seg(view)}/activate", body=body))

    def rollback(self, view: str, reason: str, to_version: Optional[int] = None, expected_revision: Optional[int] = None) -> PointerChange:
        body: Dict[str, Any] = {"reason": reason}
        if to_version is not None:
            body["toVersion"] = to_version
        if expected_revision is not None:
            body["expectedRevision"] = expected_revision
        return PointerChange.from_json(self._request("POST", f"/views/{_seg(view)}/rollback", body=body))

    def status(self, view: str) -> Status:
        return Status.from_pointer(self._request("GET", f"/views/{_seg(view)}")["pointer"])

    def history(self, view: str, limit: int = 100) -> List[HistoryEntry]:
        body = self._request("GET", f"/views/{_seg(view)}/history", query={"limit": str(limit)})
        return [HistoryEntry.from_json(h) for h in body["history"]]

    def audit_verify(self) -> AuditVerification:
        return AuditVerification.from_json(self._request("GET", "/audit/verify"))

    # --- the past ------------------------------------------------------------------------

    def as_of(self, view: str, at: str) -> AsOf:
        """The pointer in force at `at` (ISO 8601 with a time zone) and the version records it named."""
        return AsOf.from_json(self._request("GET", f"/views/{_seg(view)}/as-of", query={"at": at}))

    def training_set(
        self,
        view: str,
        rows: Optional[Iterable[Union[Tuple[str, str], Dict[str, str]]]] = None,
        data_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        entity_column: Optional[str] = None,
        timestamp_column: Optional[str] = None,
        out: Optional[Union[str, "os.PathLike[str]"]] = None,
        as_job: bool = False,
        poll_interval: float = 1.0,
        job_timeout: float = 3600.0,
    ) -> TrainingSet:
        """
        An "as served" training set: for each (entity, instant) row, the features served then
        and the version and arm that served them, stored by Rewind as Parquet. Give `rows`
        (pairs or {"entity", "at"} dicts; at most 1,000) or `data_file` (a .csv or .parquet file,
        uploaded through POST /uploads; its columns named by `entity_column`, default the view's
        entity key, and `timestamp_column`, default `at`). `out` downloads the Parquet file there.

        A file over the server's REWIND_TRAINING_SET_MAX_ROWS (or `as_job=True`) is built by a
        job (202): it is followed to its end (GET /jobs/{id} every `poll_interval` seconds, for
        at most `job_timeout`) and the stored set returned as for a synchronous one. A job that
        fails raises `RewindError` with the body the synchronous request would have been
        refused with (e.g. 400 `body.dataUri`, the row number in the message).
        """
        if (rows is None) == (data_file is None):
            raise ValueError("give rows or data_file, not both or neither")
        body: Dict[str, Any] = {}
        if rows is not None:
            body["rows"] = [dict(r) if isinstance(r, dict) else {"entity": r[0], "at": r[1]} for r in rows]
        else:
            path = os.fspath(data_file)  # type: ignore[arg-type]
            ticket = self._request("POST", "/uploads", body={"fileName": os.path.basename(path)})
            with open(path, "rb") as f:
                _transfer("PUT", ticket["uploadUrl"], f.read(), self.timeout)
            body["dataUri"] = ticket["snapshotUri"]
        if entity_column is not None:
            body["entityColumn"] = entity_column
        if timestamp_column is not None:
            body["timestampColumn"] = timestamp_column
        if as_job:
            body["async"] = True
        answer = self._request("POST", f"/views/{_seg(view)}/training-sets", body=body)
        if "job" in answer:
            answer = self._training_set_of_job(view, answer["job"]["id"], poll_interval, job_timeout)
        created = TrainingSet.from_json(answer)
        if out is not None:
            with open(os.fspath(out), "wb") as f:
                f.write(_transfer("GET", created.download_url, None, self.timeout))
        return created

    def _training_set_of_job(self, view: str, job_id: str, poll_interval: float, job_timeout: float) -> Dict[str, Any]:
        """Follows a training-set job to its end; the stored set in the shape of a synchronous answer."""
        deadline = time.monotonic() + job_timeout
        while True:
            job = self._request("GET", f"/jobs/{_seg(job_id)}")
            if job["status"] in ("succeeded", "failed", "cancelled"):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"training-set job {job_id} is still {job['status']} after {job_timeout} s; it goes on (GET /jobs/{job_id})")
            time.sleep(poll_interval)  # a follower's poll interval
        if job["status"] != "succeeded":
            error = (job.get("error") or {}).get("error") or {"code": "JobCancelled", "message": f"training-set job {job_id} was cancelled"}
            raise RewindError(job.get("errorStatus") or 409, error.get("code", "JobFailed"), error.get("message", ""), error.get("field"), job)
        stored = job["result"]["trainingSet"]
        download = self._request("GET", f"/views/{_seg(view)}/training-sets/{_seg(stored['id'])}")
        return {"view": view, **stored, "downloadUrl": download["downloadUrl"], "expiresInSeconds": download["expiresInSeconds"], "job": job_id}

    # --- transport -----------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None, query: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"authorization": f"Bearer {self.token}", "accept": "application/json"}
        if data is not None:
            headers["content-type"] = "application/json"
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=self.timeout) as res:
                    return json.loads(res.read() or b"{}")
            except urllib.error.HTTPError as error:
                status, payload = error.code, _json_or_none(error.read())
                if status == 503 and not last:
                    self._wait(attempt, error.headers.get("retry-after"))
                    continue
                raise _error_from(status, payload) from None
            except (ConnectionError, urllib.error.URLError) as error:
                # Refused or reset: the server may be restarting. Timeouts are not retried here:
                # the request may have been applied.
                reason = getattr(error, "reason", error)
                if isinstance(reason, ConnectionError) and not last:
                    self._wait(attempt, None)
                    continue
                raise RewindUnavailable(0, "Unreachable", f"{method} {url}: {reason}") from None
        raise AssertionError("unreachable")

    def _wait(self, attempt: int, retry_after: Optional[str]) -> None:
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** attempt)
        delay = random.uniform(0, ceiling)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        time.sleep(min(delay, self.backoff_max))


def _transfer(method: str, url: str, data: Optional[bytes], timeout: float) -> bytes:
    """A presigned S3 URL: no token (the signature is the credential), raw bytes."""
    headers = {"content-type": "application/octet-stream"} if data is not None else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=timeout) as res:
            return res.read()
    except urllib.error.HTTPError as error:
        raise RewindError(error.code, "TransferRefused", f"{method} of a presigned URL was refused ({error.code})") from None


def _seg(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")


def _json_or_none(raw: bytes) -> Optional[Dict[str, Any]]:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error_from(status: int, payload: Optional[Dict[str, Any]]) -> RewindError:
    err = (payload or {}).get("error") or {}
    kind = RewindUnavailable if status == 503 else RewindError
    return kind(status, err.get("code", f"HTTP{status}"), err.get("message", "no error body"), err.get("field"), payload)


def _load_view(view_file: ViewSpec) -> Dict[str, Any]:
    if isinstance(view_file, dict):
        return json.loads(json.dumps(view_file))  # a copy: deploy must not change the caller's dict
    path = os.fspath(view_file)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith((".yaml", ".yml")):
        try:
            import yaml  # type: ignore  # optional: never a dependency
        except ImportError:
            raise ValueError(f"{path}: YAML view files need PyYAML, which is not a dependency; pass a JSON view file or a dict") from None
        return yaml.safe_load(text)
    return json.loads(text)


def _read_rows(path: str, definition: Dict[str, Any]) -> List[Dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as f:
        if path.endswith((".jsonl", ".ndjson")):
            return [json.loads(line) for line in f if line.strip()]
        types = {feature["name"]: feature["type"] for feature in definition["features"]}
        return [{k: _from_text(v, types.get(k)) for k, v in record.items()} for record in csv.DictReader(f)]


def _from_text(text: str, kind: Optional[str]) -> Any:
    """As the server converts CSV (core/rows.ts): empty is null; a bad value is left for the server to name."""
    if kind is None:
        return text  # the entity key, or a column the server will refuse by name
    if text == "":
        return None
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        return text
    if kind == "bool" and text in ("true", "false"):
        return text == "true"
    return text
