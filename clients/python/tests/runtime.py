"""Spawns test/support/rewind-for-python.ts (the local runtime on in-memory emulators) and stops it."""
import json
import os
import subprocess
import tempfile
import threading

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HELPER = os.path.join(REPO, "test", "support", "rewind-for-python.ts")  # a .ts file lives in a room ARCHITECTURE.md names


class LocalRewind:
    def __init__(self, start_timeout: float = 120.0):
        tsx = os.path.join(REPO, "node_modules", ".bin", "tsx")
        # stderr to a file, not a pipe: an unread pipe that fills up would block the runtime.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen([tsx, HELPER], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = {}

        def read_first_line():
            line["text"] = self.process.stdout.readline()

        reader = threading.Thread(target=read_first_line, daemon=True)
        reader.start()
        reader.join(start_timeout)
        text = line.get("text")
        if not text:
            self.stop()
            self.log.seek(0)
            raise RuntimeError(f"the local runtime did not start within {start_timeout}s (exit {self.process.returncode}): {self.log.read()[-3000:]}")
        info = json.loads(text)
        self.url, self.token = info["url"], info["token"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # the helper stops its emulators when stdin closes
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                self.process.wait(10)
        self.process.stdout.close()
        self.log.close()
