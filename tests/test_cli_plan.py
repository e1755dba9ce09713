"""`pvequorum plan`: exit codes 0 / 3 (blocked) / 2 (bad input) and the classic outputs."""

from __future__ import annotations

import json

import pytest

from pvequorum.cli import main

COROSYNC_2 = """\
logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 192.168.1.11
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 192.168.1.12
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: mycluster
  config_version: 2
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}

"""

CLUSTER_CONF_2 = """\
<?xml version="1.0"?>
<cluster name="mycluster" config_version="2">

  <cman keyfile="/var/lib/pve-cluster/corosync.authkey">
  </cman>

  <clusternodes>
  <clusternode name="pve1" votes="1" nodeid="1"/>
  <clusternode name="pve2" votes="1" nodeid="2"/>
  </clusternodes>

</cluster>
"""


def run(capsys, *argv):
    code = main(["plan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_bad_version_is_exit_2(tmp_path, capsys):
    path = tmp_path / "corosync.conf"
    path.write_text(COROSYNC_2)
    code, _, err = run(capsys, "restore-quorum", "--config", str(path), "--pve-version", "8.x")
    assert code == 2 and "--pve-version" in err


def test_unreadable_config_is_exit_2(tmp_path, capsys):
    missing = tmp_path / "no such; $(file)"
    code, _, err = run(capsys, "restore-quorum", "--config", str(missing), "--pve-version", "8")
    assert code == 2 and "cannot read the config" in err


def test_unknown_plan_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", "fix-everything", "--config", "x", "--pve-version", "8"])
    assert exc.value.code == 2


@pytest.fixture
def conf_module():
    conf = pytest.importorskip("pvequorum.conf")
    if not hasattr(conf, "parse_config"):
        pytest.skip("pvequorum.conf.parse_config has not landed yet")
    return conf


@pytest.fixture
def corosync_conf(tmp_path, conf_module):
    path = tmp_path / "corosync.conf"
    path.write_text(COROSYNC_2)
    return str(path)


@pytest.fixture
def cluster_conf(tmp_path, conf_module):
    path = tmp_path / "cluster.conf"
    path.write_text(CLUSTER_CONF_2)
    return str(path)


def test_restore_quorum_pve8(capsys, corosync_conf):
    code, out, _ = run(
        capsys,
        "restore-quorum",
        "--config",
        corosync_conf,
        "--pve-version",
        "8.2",
        "--up",
        "pve1",
        "--confirmed-down",
        "pve2",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert ["pvecm", "expected", "1"] in [
        c.get("argv") for s in data["steps"] for c in s["commands"]
    ]


def test_restore_quorum_unconfirmed_is_exit_3(capsys, corosync_conf):
    code, out, _ = run(
        capsys,
        "restore-quorum",
        "--config",
        corosync_conf,
        "--pve-version",
        "8.2",
        "--up",
        "pve1",
        "--format",
        "sh",
    )
    assert code == 3 and "BLOCKED" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--up", "pve7"], "unknown node 'pve7'"),
        (["--up", "pve1", "--confirmed-down", "pve1"], "both up and confirmed down"),
        (["--pve-version", "3.4", "--up", "pve1"], "uses cman"),
    ],
)
def test_conflicts_are_exit_2(capsys, corosync_conf, extra, message):
    args = ["restore-quorum", "--config", corosync_conf, "--pve-version", "8.2", *extra]
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err


def test_two_node_pve3_is_the_article(capsys, cluster_conf):
    pytest.importorskip("pvequorum.conf.edits")
    code, out, _ = run(
        capsys,
        "two-node",
        "--config",
        cluster_conf,
        "--pve-version",
        "3.4",
        "--up",
        "pve1",
        "--confirmed-down",
        "pve2",
    )
    assert code == 0, out
    assert "pvecm expected 1" in out
    assert "cp /etc/pve/cluster.conf /etc/pve/cluster.conf.new" in out
    assert 'two_node="1"' in out and 'expected_votes="1"' in out
    assert 'config_version="3"' in out
    assert "ccs_config_validate -v -f /etc/pve/cluster.conf.new" in out
    assert "Datacenter -> HA -> Activate" in out
    assert "mv /etc/pve/cluster.conf.new /etc/pve/cluster.conf" in out


def test_two_node_pve8(capsys, corosync_conf):
    pytest.importorskip("pvequorum.conf.edits")
    code, out, _ = run(
        capsys,
        "two-node",
        "--config",
        corosync_conf,
        "--pve-version",
        "8.2",
        "--up",
        "pve1",
        "--confirmed-down",
        "pve2",
    )
    assert code == 0, out
    assert "pvecm expected 1" in out
    assert "two_node: 1" in out and "config_version: 3" in out
    assert "cp /etc/pve/corosync.conf /etc/pve/corosync.conf.bak" in out
    assert "mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf" in out
    assert "wait_for_all" in out


def test_two_node_with_ha_is_exit_3(capsys, corosync_conf):
    code, out, _ = run(
        capsys,
        "two-node",
        "--config",
        corosync_conf,
        "--pve-version",
        "8.2",
        "--up",
        "pve1,pve2",
        "--ha",
    )
    assert code == 3 and "QDevice" in out


def test_hostile_status_text_is_refused(tmp_path, capsys, corosync_conf):
    pytest.importorskip("pvequorum.status")
    status = tmp_path / "status"
    status.write_text("Quorate: Yes\nthis is not $(pvecm) status; rm -rf /\n")
    code, _, err = run(
        capsys,
        "restore-quorum",
        "--config",
        corosync_conf,
        "--pve-version",
        "8.2",
        "--status",
        str(status),
    )
    assert code == 2 and err.count("\n") == 1
