"""Links as an admin sees them (`pvequorum.linkview`, reference 12.4): `corosync-cfgtool -s`
from the simulator in corosync's own layout, every pair's links, the link knet sends totem
over, and the explanation of "cannot tell"; and the figure of notebook 08."""

from __future__ import annotations

import pytest
from paths import PROJECT

from pvequorum import cfgtool, engine, linkview
from pvequorum.examples import example_path
from pvequorum.model import simple_cluster
from pvequorum.scenario import LinkSettings, load_scenario
from pvequorum.simulator import Simulator

EXTENSIONS = PROJECT / "tests" / "scenarios" / "extensions"
THREE = simple_cluster(3)


def two_links(*down: tuple[str, int], settings: LinkSettings | None = None) -> Simulator:
    sim = Simulator(THREE, links=settings or LinkSettings(links=2))
    sim.start(THREE.names)
    for name, link in down:
        sim.link_down(name, link)
    return sim


def test_cfgtool_text_is_corosyncs_layout_and_reads_back_as_the_table() -> None:
    sim = two_links(("pve1", 0))
    text = linkview.cfgtool_text(THREE, "pve1", sim.link_table("pve1"))
    assert text == (
        "Local node ID 1, transport knet\n"
        "LINK ID 0 udp\n\taddr\t= 10.220.0.1\n\tstatus:\n"
        "\t\tnodeid:          1:\tlocalhost\n"
        "\t\tnodeid:          2:\tdisconnected\n"
        "\t\tnodeid:          3:\tdisconnected\n"
        "LINK ID 1 udp\n\taddr\t= 10.220.1.1\n\tstatus:\n"
        "\t\tnodeid:          1:\tlocalhost\n"
        "\t\tnodeid:          2:\tconnected\n"
        "\t\tnodeid:          3:\tconnected\n"
    )
    status = cfgtool.parse_status(text)
    for node in THREE.nodes:
        assert status.states_of(node.nodeid) == dict(sim.link_table("pve1"))[node.name]


def test_link_addresses_follow_the_scenario_format_and_a_given_address() -> None:
    assert linkview.link_address(THREE, "pve3", 1) == "10.220.1.3"
    from pvequorum.outage import PRESETS

    preset = PRESETS["three-node-two-links"]
    assert [n.address for n in preset.cluster.nodes] == ["10.220.0.1", "10.220.0.2", "10.220.0.3"]
    assert preset.links == LinkSettings(links=2)


def test_pair_links_down_idle_and_the_carrying_link() -> None:
    sim = two_links(("pve1", 0))
    sim.stop(["pve3"])
    pairs = {(p.a, p.b, p.link): (p.state, p.carries) for p in linkview.pair_links(sim)}
    assert pairs == {
        ("pve1", "pve2", 0): ("down", False),
        ("pve1", "pve2", 1): ("connected", True),  # knet failed over to link 1
        ("pve1", "pve3", 0): ("down", False),
        ("pve1", "pve3", 1): ("idle", False),  # the wire works, pve3 is stopped
        ("pve2", "pve3", 0): ("idle", False),
        ("pve2", "pve3", 1): ("idle", False),
    }


@pytest.mark.parametrize(
    ("settings", "working", "carrying"),
    [
        (None, [0, 1], (0,)),  # every link has priority 1: the lowest number wins
        (LinkSettings(links=2), [1], (1,)),
        (LinkSettings(links=2, link_priority=((0, 10), (1, 20))), [0, 1], (1,)),
        (LinkSettings(links=2, link_priority=((0, 10), (1, 20))), [0], (0,)),
        (LinkSettings(links=3, link_priority=((1, 5), (2, 5))), [0, 1, 2], (1,)),
        (LinkSettings(links=2, link_mode="active"), [1, 0], (0, 1)),
        (LinkSettings(links=2, link_mode="rr"), [1], (1,)),
        (LinkSettings(links=2), [], ()),
    ],
)
def test_passive_mode_sends_over_the_best_working_link_only(
    settings: LinkSettings | None, working: list[int], carrying: tuple[int, ...]
) -> None:
    assert linkview.carrying_links(settings, working) == carrying


def test_links_table_has_a_row_per_node_and_link() -> None:
    sim = two_links(("pve1", 0), ("pve1", 1))
    table = linkview.links_table({n: sim.link_table(n) for n in sim.running})
    assert table.splitlines()[:3] == [
        "node  link  pve1          pve2          pve3",
        "pve1  0     localhost     disconnected  disconnected",
        "pve1  1     localhost     disconnected  disconnected",
    ]
    assert len(table.splitlines()) == 1 + 3 * 2
    assert linkview.links_table({}) == "(no node is running)"


def test_a_node_without_links_is_a_side_of_its_own() -> None:
    assert linkview.link_sides(two_links(("pve1", 0))) == (("pve1", "pve2", "pve3"),)
    sim = two_links(("pve1", 0), ("pve1", 1))
    assert linkview.link_sides(sim) == (("pve1",), ("pve2", "pve3"))
    sim.stop(["pve1"])  # a stopped node stays where its cables put it
    assert linkview.link_sides(sim) == (("pve1",), ("pve2", "pve3"))


def test_undecidable_states_are_explained_with_what_corosync_does() -> None:
    sim = two_links(("pve1", 0), ("pve3", 1))
    with pytest.raises(engine.Undecidable) as info:
        sim.observe()
    text = linkview.explain_undecidable(info.value.problem, THREE)
    assert text.startswith("The simulator cannot tell what corosync shows now (connectivity")
    assert "the simulator cannot decide" not in text  # the prefix is not repeated
    assert "4.4 s" in text and "(reference 12.4)" in text
    sim = two_links()
    sim.netem("pve2", 1, 30)
    with pytest.raises(engine.Undecidable) as info:
        sim.observe()
    assert "30% random loss on pve2 link 1" in linkview.explain_undecidable(
        info.value.problem, THREE
    )
    assert "knet declares the lossy link down and up again" in linkview.explain_undecidable(
        info.value.problem, THREE
    )


def test_admin_log_lines_are_the_references_with_this_clusters_timers() -> None:
    lines = linkview.admin_log_lines(THREE)
    reference = (PROJECT / "docs" / "reference" / "real-daemon.md").read_text()
    assert "[KNET  ] link: host: 2 link: 0 is down" in lines
    assert "[TOTEM ] Token has not been received in 2737 ms" in lines  # 75 % of 3650
    assert "[TOTEM ] Retransmit List: 2bb" in lines
    assert lines[-1] == (
        "[TOTEM ] A processor failed, forming new configuration: token timed out (3650ms), "
        "waiting 4380ms for consensus."
    )
    for line in lines[:3]:
        assert line.split("] ", 1)[1].split(" 2737")[0] in reference


@pytest.mark.parametrize("name", ["links-3n2l-node-loses-links", "links-3n1l-nontransitive"])
def test_the_notebooks_examples_are_the_recorded_scenarios(name: str) -> None:
    for suffix in (".json", ".real.json"):
        assert example_path(name + suffix).read_text() == (EXTENSIONS / (name + suffix)).read_text()
    load_scenario(example_path(name + ".json"))


def test_the_links_figure_draws_every_link_and_says_cannot_tell() -> None:
    from pvequorum.viz import figure_texts
    from pvequorum.vizlinks import links_figure

    fig = links_figure(two_links(("pve1", 0), ("pve1", 1)), title="pve1 lost both links")
    texts = figure_texts(fig)
    assert {"pve1", "pve2", "pve3", "BLOCKED", "QUORATE", "link 0", "link 1"} <= set(texts)
    assert texts.count("✕") == 4  # pve1's two pairs on two links
    assert len(fig.axes[0].lines) == 6  # one curve per pair and link
    undecided = figure_texts(links_figure(two_links(("pve1", 0), ("pve3", 1))))
    assert undecided.count("cannot tell") == 3 and "QUORATE" not in undecided
