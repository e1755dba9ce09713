"""Let real corosync judge a corosync.conf (reference 11).

Two levels, both needed: `corosync -t` parses and checks the totem side but not votequorum's
refusals; a brief start (`corosync -f`) runs votequorum's checks and exits with status 20
and `Service engine 'corosync_quorum' failed to load for reason '...'`.  Both run inside a
throwaway network namespace that owns the first node's address, with private /run and
/var/lib/corosync.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pvequorum.conf import corosync as corosync_conf
from pvequorum.errors import InputError, PrerequisiteError
from pvequorum.lab.core import check_prerequisites
from pvequorum.lab.process import claim_netns, delete_netns, in_namespace
from pvequorum.lab.process import run as _run

START_GRACE_S = 1.5
# The work directory is the scripts' $1 and the config their $2: never part of the text.
MOUNTS = 'mount --bind "$1/varlib" /var/lib/corosync && mount --bind "$1/run" /run'


@dataclass(frozen=True)
class CorosyncCheck:
    ok: bool
    stage: str  # "syntax" or "start"
    exit_code: int
    message: str


def _local_address(text: str) -> str:
    doc = corosync_conf.parse(text, "<checked config>")
    nodelist = doc.find("nodelist")
    for node in nodelist.all("node") if nodelist else []:
        address = doc.values(node).get("ring0_addr", ("", 0))[0]
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address):
            return address
    raise InputError("no IPv4 ring0_addr in the nodelist to give the check namespace")


def check_with_corosync(text: str) -> CorosyncCheck:
    """corosync's own verdict on a config: `-t`, then a brief start when `-t` passes."""
    check_prerequisites()
    address = _local_address(text)
    workdir = Path(tempfile.mkdtemp(prefix="pvequorum-check-", dir="/var/tmp"))
    ns: str | None = None
    try:
        for sub in ("run", "varlib"):
            (workdir / sub).mkdir()
        log = workdir / "corosync.log"
        conf = workdir / "corosync.conf"
        # A Proxmox config has `secauth: on`: corosync then needs an authkey, which the
        # check namespace gets as a throwaway keyfile (never the host's /etc/corosync).
        keyfile = workdir / "authkey"
        keyfile.write_bytes(os.urandom(256))
        keyfile.chmod(0o400)
        conf.write_text(_with_keyfile(_with_logfile(text, log), keyfile))
        ns = _claim_check_namespace()
        _run(["ip", "-n", ns, "link", "set", "lo", "up"])
        # a veth pair inside the namespace (no dummy module needed); it owns the address
        _run(["ip", "-n", ns, "link", "add", "chk0", "type", "veth", "peer", "name", "chk1"])
        _run(["ip", "-n", ns, "link", "set", "chk1", "up"])
        _run(["ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "chk0"])
        _run(["ip", "-n", ns, "link", "set", "chk0", "up"])
        values = ("corosync-check", str(workdir), str(conf))
        syntax = subprocess.run(
            in_namespace(ns, f'{MOUNTS} && exec corosync -t -c "$2"', *values),
            capture_output=True,
            text=True,
            timeout=30,
        )
        if syntax.returncode != 0:
            message = (syntax.stderr or syntax.stdout).strip().splitlines()
            return CorosyncCheck(False, "syntax", syntax.returncode, message[-1] if message else "")
        process = subprocess.Popen(
            in_namespace(ns, f'{MOUNTS} && exec corosync -f -c "$2"', *values),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            code = process.wait(timeout=START_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return CorosyncCheck(True, "start", 0, "")
        output = (process.stdout.read() if process.stdout else "") + (
            log.read_text() if log.exists() else ""
        )
        match = re.search(r"failed to load for reason '([^']*)'", output)
        lines = [x for x in output.splitlines() if x.strip()]
        return CorosyncCheck(
            False, "start", code, match.group(1) if match else (lines[-1] if lines else "")
        )
    finally:
        if ns is not None:
            delete_netns(ns)
        shutil.rmtree(workdir, ignore_errors=True)


def _claim_check_namespace() -> str:
    """A fresh `pvqchkNNNNN` namespace that this call created, so that its cleanup can never
    delete the namespace of a check running at the same time."""
    for _ in range(20):
        ns = f"pvqchk{secrets.randbelow(100000)}"
        if claim_netns(ns):
            return ns
    raise PrerequisiteError("no free pvqchk network namespace name after 20 tries")


def _with_keyfile(text: str, keyfile: Path) -> str:
    doc = corosync_conf.parse(text, "<checked config>")
    if doc.find("totem") is None:
        return text
    doc.set("totem", "keyfile", str(keyfile))
    return doc.dump()


def _with_logfile(text: str, log: Path) -> str:
    """Send corosync's log to our file so its refusal message can be read back."""
    doc = corosync_conf.parse(text, "<checked config>")
    if doc.find("logging") is None:
        return text + f"\nlogging {{\n  to_logfile: yes\n  logfile: {log}\n  to_syslog: no\n}}\n"
    doc.set("logging", "to_logfile", "yes")
    doc.set("logging", "logfile", str(log))
    doc.set("logging", "to_syslog", "no")
    return doc.dump()
