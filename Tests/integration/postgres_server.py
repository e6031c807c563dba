"""A real PostgreSQL server for the integration tests: `initdb` into a temporary directory, started
with `pg_ctl` on 127.0.0.1 and a free port, SCRAM password authentication for the role `tester` (so
URLs carry a real password the leak checks look for), stopped and removed at the end.

PostgreSQL refuses to run as root; as root (CI) every server command runs as the `postgres` system
user through `runuser`. conftest.py's session fixture `postgres` shares one server; a test that
stops its server (test_token_faults.py) starts its own.
"""
import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid

from harness import free_port


def bindir() -> str:
    """PG_BINDIR, else the newest /usr/lib/postgresql/N/bin."""
    given = os.environ.get("PG_BINDIR")
    if given:
        return given
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    assert found, "PostgreSQL is not installed (Debian: postgresql)"
    return found[-1]


class PostgresServer:
    ROLE = "tester"

    def __init__(self, directory=None):
        self.dir = directory or tempfile.mkdtemp(prefix="hubspot-install-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.password = "pg-it-pw-" + uuid.uuid4().hex
        self.port = free_port()
        self.databases = 0
        self.as_root = os.geteuid() == 0
        password_file = os.path.join(self.dir, "password")
        with open(password_file, "w") as f:
            f.write(self.password + "\n")
        os.chmod(password_file, 0o600)
        if self.as_root:
            user = pwd.getpwnam("postgres")
            for path in (self.dir, password_file):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._server(["initdb", "-D", self.data, "-U", self.ROLE, f"--pwfile={password_file}",
                      "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"])
        self.start()

    def _server(self, argv, check=True):
        """A PostgreSQL server program, as the postgres user when we are root."""
        argv = [os.path.join(bindir(), argv[0]), *argv[1:]]
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=120)

    def start(self):
        options = f"-k {self.dir} -p {self.port} -h 127.0.0.1 -c fsync=off -c max_connections=200"
        self._server(["pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start"])

    def stop(self):
        """Fast shutdown: sessions are ended at once, as when a server is stopped for maintenance."""
        self._server(["pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"], check=False)

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database, password=None, scheme="postgresql"):
        return f"{scheme}://{self.ROLE}:{password or self.password}@127.0.0.1:{self.port}/{database}"

    def fresh_database(self) -> str:
        """A new, empty database; returns its URL."""
        self.databases += 1
        name = f"it_{os.getpid()}_{self.databases}"
        self.sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def sql(self, statement, database="postgres", params=()):
        """One statement as the superuser; psql's unaligned output. `params` become psql variables
        :'p1', :'p2', ... (quoted by psql), so values are never written into the SQL here either."""
        argv = [os.path.join(bindir(), "psql"), "-qAt", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(self.port), "-U", self.ROLE, "-d", database]
        for index, value in enumerate(params, 1):
            argv += ["-v", f"p{index}={value}"]
        done = subprocess.run(argv, input=statement, env={**os.environ, "PGPASSWORD": self.password},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    @staticmethod
    def database_of(url) -> str:
        return url.rsplit("/", 1)[1].split("?", 1)[0]

    def row(self, url, hub_id):
        """The tokens row of `hub_id` as a dict (None if absent), with the SQLite store's keys."""
        out = self.sql("SELECT row_to_json(t) FROM tokens t WHERE hub_id = :'p1'", self.database_of(url),
                       (hub_id,)).strip()
        return json.loads(out) if out else None
