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
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pvequorum.conf import corosync as corosync_conf
from pvequorum.errors import InputError
from pvequorum.lab.core import _run, check_prerequisites, in_namespace

START_GRACE_S = 1.5


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
    ns = f"pvqchk{int(time.time() * 1000) % 100000}"
    workdir = Path(tempfile.mkdtemp(prefix="pvequorum-check-", dir="/var/tmp"))
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
        _run(["ip", "netns", "add", ns])
        _run(["ip", "-n", ns, "link", "set", "lo", "up"])
        # a veth pair inside the namespace (no dummy module needed); it owns the address
        _run(["ip", "-n", ns, "link", "add", "chk0", "type", "veth", "peer", "name", "chk1"])
        _run(["ip", "-n", ns, "link", "set", "chk1", "up"])
        _run(["ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "chk0"])
        _run(["ip", "-n", ns, "link", "set", "chk0", "up"])
        mounts = (
            f"mount --bind {workdir}/varlib /var/lib/corosync && mount --bind {workdir}/run /run"
        )
        syntax = subprocess.run(
            in_namespace(ns, f'{mounts} && exec corosync -t -c "$0"', str(conf)),
            capture_output=True,
            text=True,
            timeout=30,
        )
        if syntax.returncode != 0:
            message = (syntax.stderr or syntax.stdout).strip().splitlines()
            return CorosyncCheck(False, "syntax", syntax.returncode, message[-1] if message else "")
        process = subprocess.Popen(
            in_namespace(ns, f'{mounts} && exec corosync -f -c "$0"', str(conf)),
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
        _run(["ip", "netns", "del", ns], check=False)
        shutil.rmtree(workdir, ignore_errors=True)


def _with_keyfile(text: str, keyfile: Path) -> str:
    from pvequorum.conf.edits import set_key

    doc = corosync_conf.parse(text, "<checked config>")
    if doc.find("totem") is None:
        return text
    return set_key(doc, "totem", "keyfile", str(keyfile)).dump()


def _with_logfile(text: str, log: Path) -> str:
    """Send corosync's log to our file so its refusal message can be read back."""
    doc = corosync_conf.parse(text, "<checked config>")
    if doc.find("logging") is None:
        return text + f"\nlogging {{\n  to_logfile: yes\n  logfile: {log}\n  to_syslog: no\n}}\n"
    from pvequorum.conf.edits import set_key

    doc = set_key(doc, "logging", "to_logfile", "yes")
    doc = set_key(doc, "logging", "logfile", str(log))
    return set_key(doc, "logging", "to_syslog", "no").dump()
