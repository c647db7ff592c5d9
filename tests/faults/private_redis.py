"""A private `redis-server` for fault tests: its own free port and folder, so
it can be stopped, hung, killed and restarted without touching the Redis
the rest of the suite shares."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")
# Nothing written to disk: what the cache Redis of a first install did.
VOLATILE = ("--save", "", "--appendonly", "no")
# What docker-compose runs: every write in the append-only file within 1 s.
DURABLE = ("--save", "", "--appendonly", "yes", "--appendfsync", "everysec")


def require_redis_server() -> None:
    if REDIS_SERVER:
        return
    message = "fault tests need the redis-server program (apt install redis-server)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, folder: Path, options: tuple[str, ...]):
        self.folder = folder
        self.options = options
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.folder),
            *self.options,
        ]
        with (self.folder / "redis.log").open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log)
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                # Answers PING only once the append-only file is loaded.
                if client.ping() and not client.info("persistence")["loading"]:
                    return
            except redis.RedisError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(
            f"redis-server did not start:\n{(self.folder / 'redis.log').read_text()}"
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: a clean shutdown (the append-only file is flushed);
        SIGKILL: a crash."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
        self.process.wait(timeout=10)
        self.process = None

    def hang(self) -> None:
        """The process stays, its socket accepts, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None:
            self.resume()
            self.stop(signal.SIGKILL)
