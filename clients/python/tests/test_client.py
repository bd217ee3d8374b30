"""
The client against a real local Rewind (test/support/rewind-for-python.ts: the local runtime on in-memory
DynamoDB Local and s3rver), and its 503 handling against a stand-in HTTP server that answers
503 with Retry-After (no emulator throttles on demand).

    python3 -m unittest discover -s clients/python/tests -t clients/python
"""
import csv
import http.server
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from rewind_client import Client, RewindError, RewindUnavailable  # noqa: E402
from rewind_client.types import Served  # noqa: E402
from tests.runtime import REPO, LocalRewind  # noqa: E402

VIEW_V1 = os.path.join(HERE, "user_profile.view.json")
VIEW_V2 = os.path.join(HERE, "user_profile.v2.view.json")
DATA_V1 = os.path.join(REPO, "examples", "user_profile.v1.csv")
DATA_V2 = os.path.join(REPO, "examples", "user_profile.v2-faulty.jsonl")


def spec(path, **overrides):
    """A view file's document, with some fields replaced (another view name, say)."""
    with open(path) as f:
        return dict(json.load(f), **overrides)


def eventually(probe, accept, timeout=5.0):
    """Polls `probe` until `accept` holds, with a deadline (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if accept(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


class AgainstLocalRewind(unittest.TestCase):
    rewind: LocalRewind
    client: Client

    @classmethod
    def setUpClass(cls):
        cls.rewind = LocalRewind()
        # Generous: deploys write every row, and the test machine is shared.
        cls.client = Client(cls.rewind.url, cls.rewind.token, timeout=120)
        with open(DATA_V1, newline="") as f:
            cls.entities = [r["user_id"] for r in csv.DictReader(f)]

    @classmethod
    def tearDownClass(cls):
        cls.rewind.stop()

    def test_the_story(self):
        c = self.client
        v1 = c.deploy(VIEW_V1, DATA_V1, activate=True)
        self.assertEqual((v1.view, v1.version, v1.rows), ("user_profile", 1, len(self.entities)))
        served = eventually(lambda: c.get_online("user_profile", "u0001"), lambda s: s.version == 1)
        self.assertIsInstance(served, Served)
        self.assertEqual((served.version, served.found), (1, True))
        self.assertEqual(served.features["age"], 34)  # examples/user_profile.v1.csv, line 2

        # One batch of 100 answers what 100 single reads answer.
        batch = c.get_online_batch("user_profile", self.entities[:99] + ["nobody"])
        self.assertEqual([r.entity for r in batch.results], self.entities[:99] + ["nobody"])
        for r in batch.results[:10] + batch.results[-1:]:
            self.assertEqual(r, c.get_online("user_profile", r.entity))
        self.assertFalse(batch.by_entity()["nobody"].found)

        # The faulty v2, activated, then rolled back.
        v2 = c.deploy(VIEW_V2, DATA_V2)
        self.assertEqual(v2.version, 2)
        moved = c.activate("user_profile", 2)
        self.assertEqual((moved.changed, moved.status.stable), (True, 2))
        back = c.rollback("user_profile", reason="avg_basket drifted")
        self.assertEqual((back.from_version, back.to_version, back.status.stable), (2, 1, 1))
        self.assertEqual(c.status("user_profile").rolled_back, [2])
        after = eventually(lambda: c.get_online_batch("user_profile", self.entities[:5]), lambda b: all(r.version == 1 for r in b.results))
        self.assertEqual({r.version for r in after.results}, {1})

        history = c.history("user_profile")
        self.assertEqual([h.action for h in history[:3]], ["rollback", "activate", "activate"])
        self.assertEqual(history[0].reason, "avg_basket drifted")
        audit = c.audit_verify()
        self.assertTrue(audit.ok, audit.problems)
        self.assertGreater(audit.entries, 0)

    def test_at_reads_what_was_served_then(self):
        # Time travel: GET /online?at= answers 307 to the as-of route; urllib follows it with the token.
        self.client.deploy(spec(VIEW_V1, view="travel"), DATA_V1, activate=True)
        live = eventually(lambda: self._try(lambda: self.client.get_online("travel", "u0002")), lambda s: isinstance(s, Served))
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
        then = eventually(lambda: self._try(lambda: self.client.get_online("travel", "u0002", at=now)), lambda s: isinstance(s, Served))
        self.assertEqual((then.version, then.entity, then.found, then.features), (live.version, live.entity, live.found, live.features))
        self.assertEqual(then.raw["servedFrom"], "online")
        with self.assertRaises(RewindError) as refused:
            self.client.get_online("travel", "u0002", at="2025-06-01T00:00:00Z")
        self.assertEqual((refused.exception.status, refused.exception.code), (404, "BeforeFirstDeploy"))

    def test_as_of_and_an_as_served_training_set(self):
        c = self.client
        c.deploy(spec(VIEW_V1, view="trainset"), DATA_V1, activate=True)
        live = eventually(lambda: self._try(lambda: c.get_online("trainset", "u0003")), lambda s: isinstance(s, Served))
        at = _iso_now()  # after the live read (the server runs on this machine's clock)
        then = c.as_of("trainset", at)
        self.assertEqual((then.stable, then.set_by["action"], [v["version"] for v in then.versions]), (1, "activate", [1]))

        inline = c.training_set("trainset", rows=[("u0003", at), {"entity": "nobody", "at": at}])
        self.assertEqual(inline.summary["rows"], 2)
        self.assertEqual(inline.summary["servedBy"], [{"version": live.version, "arm": None, "rows": 2}])
        self.assertEqual((inline.summary["notServed"], inline.summary["online"]), (0, 2))

        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "entities.csv")
            with open(data, "w", newline="") as f:
                f.write("customer,ts\n" + "".join(f"{e},{at}\n" for e in self.entities[:5]))
            out = os.path.join(tmp, "set.parquet")
            from_file = c.training_set("trainset", data_file=data, entity_column="customer", timestamp_column="ts", out=out)
            self.assertEqual(from_file.summary["rows"], 5)
            with open(out, "rb") as f:
                written = f.read()
            self.assertEqual((written[:4], written[-4:], len(written)), (b"PAR1", b"PAR1", from_file.bytes))

        # As a job (202), followed to its end: the same set as the synchronous answer.
        as_job = c.training_set("trainset", rows=[("u0003", at), {"entity": "nobody", "at": at}], as_job=True, poll_interval=0.1, job_timeout=60)
        self.assertEqual(as_job.summary, inline.summary)
        self.assertRegex(as_job.raw["job"], r"^[0-9a-f-]{36}$")
        self.assertTrue(as_job.download_url)

        with self.assertRaises(RewindError) as future:
            c.training_set("trainset", rows=[("u0003", "2999-01-01T00:00:00Z")])
        self.assertEqual((future.exception.status, future.exception.field), (400, "body.rows[0].at"))
        with self.assertRaises(ValueError):
            c.training_set("trainset")

    def test_errors_carry_code_message_and_field(self):
        cases = [
            (["u1"] * 2, "body.entities[1]"),
            ([f"u{i}" for i in range(101)], "body.entities"),
            (["u1", 7], "body.entities[1]"),
            ([], "body.entities"),
        ]
        for entities, field in cases:
            with self.subTest(field=field, n=len(entities)):
                with self.assertRaises(RewindError) as caught:
                    self.client.get_online_batch("user_profile", entities)
                self.assertEqual((caught.exception.status, caught.exception.code, caught.exception.field), (400, "ValidationError", field))
                self.assertTrue(caught.exception.message)
        with self.assertRaises(RewindError) as missing:
            self.client.get_online("never_deployed", "u1")
        self.assertEqual((missing.exception.status, missing.exception.code), (404, "NothingActive"))
        with self.assertRaises(RewindError) as refused:
            Client(self.rewind.url, "not-a-token").status("user_profile")
        self.assertEqual(refused.exception.status, 401)

    def test_yaml_view_files_need_pyyaml(self):
        view = os.path.join(REPO, "examples", "user_profile.view.yaml")
        if importlib.util.find_spec("yaml") is None:
            with self.assertRaisesRegex(ValueError, "PyYAML"):
                self.client.deploy(view, DATA_V1)
        else:
            self.assertEqual(self.client.deploy(view, DATA_V1).view, "user_profile")

    def test_the_example_model_server_keeps_serving_through_a_rollback(self):
        c = self.client
        c.deploy(spec(VIEW_V1, view="served"), DATA_V1, activate=True)
        c.deploy(spec(VIEW_V2, view="served"), DATA_V2, activate=True)
        model = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "examples", "serve_model.py"), "--url", self.rewind.url, "--token", self.rewind.token,
             "--view", "served", "--entities", ",".join(self.entities[:20]), "--interval", "0.02"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        seen = []
        try:
            def until(accept, timeout=20.0):
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    line = model.stdout.readline()
                    if not line:
                        break
                    seen.append(json.loads(line))
                    if accept(seen[-1]):
                        return
                self.fail(f"serve_model.py never got there; last lines {seen[-3:]}; stderr {model.stderr.read() if model.poll() is not None else ''}")

            until(lambda r: r.get("versions") == [2])
            c.rollback("served", reason="bad v2 under a running model server")
            until(lambda r: r.get("versions") == [1])
            until(lambda r: r.get("versions") == [1])  # and it goes on
            self.assertIsNone(model.poll(), "the model server exited")
        finally:
            model.terminate()
            model.wait(10)
            model.stdout.close()
            model.stderr.close()
        scored = [r for r in seen if "scores" in r]
        self.assertEqual([r for r in seen if "skipped" in r], [])
        self.assertTrue(all(len(r["scores"]) == 20 for r in scored))
        versions = [r["versions"] for r in scored]
        first_v1 = versions.index([1])
        self.assertTrue(all(v == [2] for v in versions[:first_v1]) and all(v == [1] for v in versions[first_v1:]), versions)

    @staticmethod
    def _try(call):
        try:
            return call()
        except RewindError as error:
            return error


def _iso_now():
    """Now as ISO 8601 in UTC, to the millisecond."""
    ms = int(time.time() * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


class Busy(http.server.BaseHTTPRequestHandler):
    """Stand-in server: 503 with Retry-After for the first `fail` requests, then a served body."""

    fail = 2
    calls = []

    def do_GET(self):
        Busy.calls.append(time.monotonic())
        if len(Busy.calls) <= Busy.fail:
            body = json.dumps({"error": {"code": "StoreUnavailable", "message": "the store is busy; retry shortly"}}).encode()
            self.send_response(503)
            self.send_header("retry-after", "0.3")
        else:
            body = json.dumps({"view": "v", "version": 3, "entity": "e", "found": True, "features": {"x": 1}}).encode()
            self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class RetriesOn503(unittest.TestCase):
    def setUp(self):
        Busy.calls = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Busy)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def test_waits_at_least_retry_after_then_succeeds(self):
        Busy.fail = 2
        served = Client(self.url, "t", backoff_base=0.01).get_online("v", "e")
        self.assertEqual(served.version, 3)
        self.assertEqual(len(Busy.calls), 3)
        gaps = [b - a for a, b in zip(Busy.calls, Busy.calls[1:])]
        self.assertTrue(all(g >= 0.29 for g in gaps), gaps)

    def test_gives_up_with_the_apis_code(self):
        Busy.fail = 10
        with self.assertRaises(RewindUnavailable) as caught:
            Client(self.url, "t", retries=1, backoff_base=0.01).get_online("v", "e")
        self.assertEqual((caught.exception.status, caught.exception.code), (503, "StoreUnavailable"))
        self.assertEqual(len(Busy.calls), 2)


if __name__ == "__main__":
    unittest.main()
