#!/usr/bin/env python3
"""Record what Proxmox's real Perl `parse_conf` and `write_conf` do with a corpus of files.

`conf/pve.py` emulates `PVE::Corosync::parse_conf()` and `write_conf()` (reference 4.1,
4.2).  An emulation is only as good as what it is checked against, so this script runs the
two subs themselves: it takes `src/PVE/Corosync.pm` at one commit of a pve-cluster git
repository, cuts out `$conf_array_sections`, `parse_conf` and `write_conf` verbatim, puts
them in a temporary module with the `use` lines they need (strict, warnings, Clone,
Digest::SHA, Scalar::Util: the PVE modules the file also loads are not needed by these two
subs and are left out), and feeds them every input of a deterministic corpus in one Perl
process.  For each input it records whether `parse_conf` dies (and its message, without
Perl's ` at FILE line N.` suffix) and, if it does not, the bytes `write_conf` returns or its
message.  The result is `tests/data/pve_perl/cases.json`, which the tests read; CI never
needs Perl.

The corpus: the project's own corosync.conf files, synthetic Proxmox-style files, a list
of hand-written edge cases, and seeded random mutations of all of these (lines deleted,
duplicated, swapped or joined; braces, colons, `#`, CR, tab, VT, FF and bytes that are not
UTF-8 inserted; values put where sections are and sections where values are; ...).

Bytes in the fixture are written as JSON strings holding one character per byte (the
character with the byte's value, that is latin-1), so that inputs that are not UTF-8
survive exactly and ASCII stays readable.

A node whose `name` (or an interface whose `linknumber`) is itself a section is keyed by
the section's address, `HASH(0x55d0c0ffee00)`: Perl then orders such entries by memory
address, which differs from run to run and does not follow the file.  The recorder makes
this deterministic without touching the subs: it ties `%$conf_array_sections` (read once
per section opened, just after the section's hash is made) to learn, through the `B`
module, the address of each new section in file order, and after `parse_conf` renames
each such key to `HASH(0x<n>)`, `n` the section's position among the file's sections in
12 hex digits, before `write_conf` sorts them.  `conf/pve.py` keys them the same way
(`SectionKey`).

Usage (from the repository root; the default repository is the local mirror):

    .venv/bin/python tools/record_pve_perl.py [--repo GITDIR] [--commit REV] [--check]

`--check` records again and compares with the fixture instead of writing it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests/data/pve_perl/cases.json"
DEFAULT_REPO = "/work/.mirror/proxmox+pve-cluster/repo"
SOURCE_PATH = "src/PVE/Corosync.pm"
SEED = 20240521
MUTATIONS = 2600

BASE_FILES = (
    "src/pvequorum/examples/two-node-corosync.conf",
    "tests/data/conf/compact-and-hazards.conf",
    "tests/data/conf/coroparse-quirks.conf",
    "tests/data/conf/crlf-only-last-cr.conf",
    "tests/data/conf/crlf-tabs-no-final-newline.conf",
    "tests/data/conf/empty-sections-blank-end.conf",
    "tests/data/conf/tabs-four-spaces-mixed.conf",
    "tests/data/conf/unicode-and-long-line.conf",
    "tests/data/corpus/corosync/corosync-example.conf",
    "tests/data/corpus/corosync/pcs-corosync-3nodes-qdevice-heuristics.conf",
    "tests/data/corpus/corosync/pcs-corosync-3nodes-qdevice.conf",
    "tests/data/corpus/corosync/pcs-corosync-3nodes.conf",
    "tests/data/corpus/corosync/pcs-corosync-qdevice.conf",
    "tests/data/corpus/corosync/pcs-corosync.conf",
    "tests/data/corpus/corosync/pve-cluster-multiple-nodes.conf",
    "tests/data/corpus/corosync/pve-cluster-old.conf",
    "tests/data/corpus/corosync/pve-cluster-single-node.conf",
    "tests/data/real/two-node-wfa-cold-start.corosync.conf",
    "tests/data/real/two-node.corosync.conf",
)

# Hand-written inputs, each for one rule of the two subs (or one finding of a past
# comparison): the stage that dies on an empty file, values where sections are expected,
# sections where values are expected, byte order of keys that are not UTF-8, and so on.
EDGE_CASES: tuple[tuple[str, bytes], ...] = (
    ("empty", b""),
    ("zero", b"0"),
    ("zero-newline", b"0\n"),
    ("double-zero", b"00"),
    ("one-space", b" "),
    ("newline", b"\n"),
    ("hash-only", b"#"),
    ("comment-only", b"# nothing here\n"),
    ("totem-value", b"totem: x\n"),
    ("nodelist-value", b"nodelist: x\n"),
    ("both-values", b"nodelist: y\ntotem: x\n"),
    ("node-value", b"nodelist {\n  node: x\n}\n"),
    ("node-value-and-section", b"nodelist {\n  node: x\n  node {\n    name: a\n  }\n}\n"),
    ("node-section-then-value", b"nodelist {\n  node {\n    name: a\n  }\n  node: x\n}\n"),
    ("interface-value", b"totem {\n  interface: 0\n}\n"),
    ("nodelist-zero", b"nodelist: 0\n"),
    ("long-nodelist-value", b"nodelist: " + b"a" * 40 + b"\n"),
    ("long-nodelist-value-32", b"nodelist: " + b"b" * 32 + b"\n"),
    ("long-nodelist-value-33", b"nodelist: " + b"c" * 33 + b"\n"),
    ("nodelist-utf8-cut", b"nodelist: " + b"a" * 31 + "\u00e9\u00e9".encode() + b"\n"),
    ("nodelist-non-utf8", b"nodelist: \xff\xfe\n"),
    ("name-section", b"nodelist {\n  node {\n    name {\n    }\n  }\n}\n"),
    (
        "names-sections",
        b"nodelist {\n  node {\n    name {\n    }\n    nodeid: 1\n  }\n"
        b"  node {\n    name {\n      x: y\n    }\n    nodeid: 2\n  }\n"
        b"  node {\n    ring0_addr {\n    }\n    nodeid: 3\n  }\n"
        b"  node {\n    name: b\n  }\n  node {\n    ring0_addr: a\n  }\n  node {\n  }\n}\n",
    ),
    (
        "linknumber-sections",
        b"totem {\n  interface {\n    linknumber {\n    }\n    a: 1\n  }\n"
        b"  interface {\n    linknumber {\n    }\n    a: 2\n  }\n"
        b"  interface {\n    ringnumber {\n    }\n    a: 3\n  }\n  interface {\n  }\n}\n",
    ),
    (
        "same-names",
        b"nodelist {\n  node {\n    name: a\n    nodeid: 1\n  }\n  node {\n    name: a\n"
        b"    nodeid: 2\n  }\n  node {\n    ring0_addr: a\n    nodeid: 3\n  }\n}\n",
    ),
    ("no-name", b"nodelist {\n  node {\n    nodeid: 1\n  }\n  node {\n    nodeid: 2\n  }\n}\n"),
    ("name-zero", b"nodelist {\n  node {\n    name: 0\n  }\n  node {\n    name: 00\n  }\n}\n"),
    (
        "byte-order",
        b"k {\n  \xff: 1\n  \xc3\xa9: 2\n  \xee\x80\x80: 3\n  Z: 4\n  a: 5\n  _: 6\n"
        b"  \xf0\x9f\x98\x80: 7\n}\n",
    ),
    ("lone-bytes-order", b"k {\n  \xf5x: 1\n  \xee\x80\x80: 2\n  \xc3: 3\n  \x80: 4\n}\n"),
    (
        "nodes-byte-order",
        b"nodelist {\n  node {\n    name: \xff\n  }\n  node {\n    name: \xee\x80\x80\n  }\n}\n",
    ),
    ("brace-section-name", b"{ {\n}\n"),
    ("close-section-name", b"} {\n}\n"),
    ("value-is-brace", b"a: }\n"),
    ("value-is-open", b"a: {\n}\n"),
    ("unexpected-close", b"}\n"),
    ("no-value", b"a:\n"),
    ("double-colon", b"a:: x\n"),
    ("slash-colon", b"abc/d:e: v\n"),
    ("cr-inside", b"a: b\rc: d\n"),
    ("cr-lf", b"a: b\r\nc: d\r\n"),
    ("vt-ff", b"a:\x0bb\x0cc: d\n"),
    ("repeat-section", b"a {\n}\na {\n}\n"),
    ("repeat-top-node", b"node {\n  x: 1\n}\nnode {\n  x: 2\n}\n"),
    ("nested-interface", b"a {\n  interface {\n  }\n  interface {\n  }\n}\n"),
    ("section-then-value", b"a {\n}\na: 1\n"),
    ("value-then-section", b"a: 1\na {\n}\n"),
    ("unclosed", b"totem {\n  version: 2\n"),
    ("deep", b"a {\n" * 60 + b"k: v\n" + b"}\n" * 60),
    ("nul", b"a: b\x00c\nd\x00: e\n"),
    ("key-only-colon", b":\n"),
    ("colon-value", b"a: :\n"),
    ("tab-key", b"\ta:\tb\n"),
    ("long-key", b"k" * 120 + b"\n"),
    ("long-key-colon", b"x: " + b"v" * 120 + b" " + b"w" * 120 + b"\n"),
    ("hash-in-key", b"a#b: c\n"),
    ("inline-hash", b"logging {\n  logfile: /x # y\n}\n"),
    ("latin1-key", b"caf\xe9 {\n}\n"),
    ("non-utf8-missing-colon", b"\xff\xfe\n"),
    ("non-utf8-repeat", b"\xff {\n}\n\xff {\n}\n"),
)


# --- the corpus --------------------------------------------------------------------------
def _synthetic(rng: random.Random, index: int) -> bytes:
    """A file like the ones pvecm writes (or an older or hand-edited one)."""
    nodes = rng.randint(1, 5)
    names = rng.choice(
        [
            [f"pve{i}" for i in range(1, nodes + 1)],
            [f"pve{i}" for i in (2, 10, 1, 20, 3)[:nodes]],
            [
                rng.choice(["Node", "node", "NODE", "n_", "n-", "\xe9", "z"]) + str(i)
                for i in range(nodes)
            ],
        ]
    )
    old = rng.random() < 0.25
    out = ["logging {\n  debug: off\n  to_syslog: yes\n}\n\nnodelist {\n"]
    for i, name in enumerate(names):
        out.append("  node {\n")
        if not old or rng.random() < 0.5:
            out.append(f"    name: {name}\n")
        out.append(f"    nodeid: {i + 1}\n    quorum_votes: {rng.choice([1, 1, 1, 2, 0])}\n")
        out.append(f"    ring0_addr: 10.0.{index % 250}.{i + 1}\n")
        if rng.random() < 0.3:
            out.append(f"    ring1_addr: 10.1.{index % 250}.{i + 1}\n")
        out.append("  }\n")
    out.append("}\n\nquorum {\n  provider: corosync_votequorum\n")
    if nodes == 2 and rng.random() < 0.5:
        out.append("  two_node: 1\n")
    out.append(
        "}\n\ntotem {\n  cluster_name: c{index}\n  config_version: 3\n".replace(
            "{index}", str(index)
        )
    )
    for link in rng.sample(range(3), rng.randint(0, 2)):
        key = "ringnumber" if old else "linknumber"
        out.append(f"  interface {{\n    {key}: {link}\n")
        if old:
            out.append("    bindnetaddr: 10.0.0.0\n")
        out.append("  }\n")
    out.append("  ip_version: ipv4-6\n  link_mode: passive\n  secauth: on\n  version: 2\n}\n")
    text = "".join(out)
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8")


INSERTS = (
    b"{", b"}", b":", b"#", b"\r", b"\t", b"\x0b", b"\x0c", b" ", b"\n", b"\xff", b"\xc3",
    b"\x80", b"\xe9", "\u00e9".encode(), "\u2028".encode(), b"0", b"{\n", b"}\n", b" {", b": ",
    b"::", b"\r\n", b"# x\n",
)  # fmt: skip
VALUES = (b"x", b"0", b"{", b"}", b":", b"::", b"a b", b"", b" ", b"\xff", b"HASH(0x1)", b"\x0b")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _pick(rng: random.Random, lines: list[bytes], pattern: bytes) -> int | None:
    found = [i for i, line in enumerate(lines) if re.search(pattern, line)]
    return rng.choice(found) if found else None


def _value_for_section(rng: random.Random, data: bytes) -> bytes:
    """`totem: x` where `totem {` was: with its body kept, or the whole section gone."""
    lines = _lines(data)
    pattern = rng.choice([rb"^\s*(totem|nodelist)\s*\{", rb"^\s*(node|interface)\s*\{", rb"\{"])
    at = _pick(rng, lines, pattern)
    if at is None:
        return data
    name = re.sub(rb"\s*\{.*", b"", lines[at].strip()) or b"x"
    value = rng.choice((*VALUES[:3], b"a" * 40))
    replacement = name + b": " + value + b"\n"
    if rng.random() < 0.5:
        depth, end = 0, at
        for end in range(at, len(lines)):
            depth += lines[end].count(b"{") - lines[end].count(b"}")
            if depth <= 0:
                break
        return b"".join([*lines[:at], replacement, *lines[end + 1 :]])
    return b"".join([*lines[:at], replacement, *lines[at + 1 :]])


def _section_for_value(rng: random.Random, data: bytes) -> bytes:
    """`name {` ... `}` where `name: pve1` was."""
    lines = _lines(data)
    pattern = rng.choice([rb"^\s*(name|ring0_addr|linknumber|ringnumber):", rb":"])
    at = _pick(rng, lines, pattern)
    if at is None:
        return data
    key = lines[at].split(b":", 1)[0]
    body = rng.choice([b"", b"  x: y\n", lines[at].strip() + b"\n"])
    return b"".join([*lines[:at], key + b" {\n" + body + b"}\n", *lines[at + 1 :]])


def _mutate(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    pos = rng.randint(0, len(data))
    op = rng.randrange(20)
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[i])
    elif op == 2:
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:
        lines[i] = lines[i].rstrip(b"\n") if i < len(lines) - 1 else lines[i]
    elif op in (4, 5, 6):
        return data[:pos] + rng.choice(INSERTS) + data[pos:]
    elif op == 7:
        return data[:pos] + data[pos + 1 :]
    elif op == 8:
        return _value_for_section(rng, data)
    elif op == 9:
        return _section_for_value(rng, data)
    elif op == 10:
        return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n", b" "]))
    elif op == 11:
        lines[i] = re.sub(rb"\s+\{", b"{", lines[i]) if b"{" in lines[i] else lines[i]
        lines[j] = re.sub(rb":\s+", rng.choice([b":", b" : ", b" :", b":\t"]), lines[j], count=1)
    elif op == 12:
        key = rng.choice([b"\xff", b"\xc3\xa9k", b"Zk", b"\xee\x80\x80", b"\xf5", b"_k", b"0"])
        lines.insert(i, b"  " + key + b": " + rng.choice(VALUES[:2]) + b"\n")
    elif op == 13:
        at = _pick(rng, lines, rb"^\s*node\s*\{")
        if at is not None:
            end = next((k for k in range(at, len(lines)) if lines[k].strip() == b"}"), at)
            block = lines[at : end + 1]
            if rng.random() < 0.5:
                block = [re.sub(rb"(name|ring0_addr): \S+", rb"\1: dup", b) for b in block]
            lines[end + 1 : end + 1] = block
    elif op == 14:
        lines[i] = lines[i].rstrip(b"\r\n") + rng.choice([b" # c", b"#", b" #{", b"# }"]) + b"\n"
    elif op == 15:
        return data[: rng.randint(0, len(data))]
    elif op == 16:
        if b":" in lines[i]:
            key = lines[i].split(b":", 1)[0]
            lines[i] = key + b": " + rng.choice(VALUES) + b"\n"
    elif op == 17:
        lines[i] = (
            lines[i].replace(b":", b"", 1)
            if rng.random() < 0.5
            else lines[i].replace(b":", b"::", 1)
        )
    elif op == 18:
        word = rng.choice([b"a" * rng.randint(30, 100), "\u00e9".encode() * rng.randint(14, 50)])
        lines[i] = re.sub(rb"\S+$", word, lines[i].rstrip(b"\r\n"), count=1) + b"\n"
    else:
        return rng.choice([b"0", b"", b" ", b"#", b"\n\n", b"0\n"]) if rng.random() < 0.05 else data
    return b"".join(lines)


def corpus(seed: int = SEED, mutations: int = MUTATIONS) -> list[tuple[str, bytes]]:
    """Every input, named, in a fixed order; the same seed gives the same corpus."""
    rng = random.Random(seed)
    bases = [(f"file:{p}", (ROOT / p).read_bytes()) for p in BASE_FILES]
    bases += [(f"synthetic:{i}", _synthetic(rng, i)) for i in range(60)]
    cases = [*bases, *((f"edge:{name}", data) for name, data in EDGE_CASES)]
    pool = [data for _, data in cases]
    for n in range(mutations):
        data = rng.choice(pool)
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            data = _mutate(rng, data)
        cases.append((f"mutation:{n}", data))
    seen: set[bytes] = set()
    out = []
    for name, data in cases:
        if data not in seen:
            seen.add(data)
            out.append((name, data))
    return out


# --- running the real subs ---------------------------------------------------------------
def _git(repo: str, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-c", "safe.directory=*", "--git-dir", repo, *args],
        check=True,
        capture_output=True,
    ).stdout


def _cut(source: str, pattern: str, what: str) -> str:
    found = re.search(pattern, source, re.M | re.S)
    if not found:
        raise SystemExit(f"record_pve_perl: {what} not found in {SOURCE_PATH}")
    return found.group(0)


def module(source: str) -> str:
    """The two subs and the one variable they use, verbatim, in a module of their own."""
    uses = [
        line
        for line in source.splitlines()
        if re.match(r"use (strict|warnings|Clone|Digest::SHA|Scalar::Util)\b", line)
    ]
    parts = [
        _cut(source, r"^my \$conf_array_sections = \{.*?^\};\n", "$conf_array_sections"),
        _cut(source, r"^sub parse_conf \{.*?^\}\n", "sub parse_conf"),
        _cut(source, r"^sub write_conf \{.*?^\}\n", "sub write_conf"),
    ]
    return "\n".join(["package PVE::Corosync;", *uses, "", *parts, "1;", ""])


HARNESS = r"""
use strict;
use warnings;
use B;
use JSON::PP;
use MIME::Base64;
use Scalar::Util qw(refaddr);

my ($module, $cases_path) = @ARGV;
require $module;
my $json = do { local $/; open(my $fh, '<', $cases_path) or die "$cases_path: $!"; <$fh> };
my $inputs = JSON::PP->new->decode($json);
$SIG{__WARN__} = sub {};  # "Use of uninitialized value": not part of the result

# parse_conf reads $conf_array_sections->{$token} once per section it opens, right after
# `my $new_section = {}`: the tie (see the module) reads that lexical from parse_conf's pad
# and numbers the sections in file order.
my $cv = B::svref_2object(\&PVE::Corosync::parse_conf);
my @names = ($cv->PADLIST->ARRAY)[0]->ARRAY;
my ($slot) = grep {
    ref($names[$_]) ne 'B::SPECIAL' && ($names[$_]->PVX // '') eq '$new_section'
} 0 .. $#names;
die "no \$new_section in parse_conf" if !defined($slot);
our %ordinal;
sub Recorder::Order::opened {
    my $pad = ($cv->PADLIST->ARRAY)[1];
    my $sv = ($pad->ARRAY)[$slot];
    die "\$new_section is not a reference" if !$sv->ROK;
    my $hash = $sv->RV->object_2svref;
    $ordinal{refaddr($hash)} = 1 + scalar(keys %ordinal);
}

sub message {
    my ($err) = @_;
    $err = "$err";
    $err =~ s/ at \Q$module\E line \d+(?:, <[^>]*> (?:line|chunk) \d+)?\.\n\z//s
        or $err =~ s/\n\z//;
    return encode_base64($err, '');
}

sub renumber {  # HASH(0x<address>) keys -> HASH(0x<file position>); how many there were
    my ($conf) = @_;
    my $count = 0;
    my $main = $conf->{main};
    return 0 if ref($main) ne 'HASH';
    my @maps = (['nodelist', 'node', 'name', 'ring0_addr'],
        ['totem', 'interface', 'linknumber', 'ringnumber']);
    for my $where (@maps) {
        my ($outer, $inner, $first, $second) = @$where;
        my $map = ref($main->{$outer}) eq 'HASH' ? $main->{$outer}->{$inner} : undef;
        next if ref($map) ne 'HASH';
        for my $key (grep { /^HASH\(0x[0-9a-f]+\)\z/ } keys %$map) {
            my $entry = $map->{$key};
            my $by = $entry->{$first} // $entry->{$second};
            next if !ref($by) || "$by" ne $key;  # a literal name that looks like one
            my $n = $ordinal{refaddr($by)} // die "section key $key not seen opening";
            $map->{sprintf('HASH(0x%012x)', $n)} = delete $map->{$key};
            $count++;
        }
    }
    return $count;
}

my @out;
for my $case (@$inputs) {
    my $raw = decode_base64($case);
    %ordinal = ();
    my $result = {};
    my $conf = eval { PVE::Corosync::parse_conf('corosync.conf', $raw) };
    if (my $err = $@) {
        $result->{parse_dies} = message($err);
    } else {
        $result->{section_keys} = renumber($conf);
        my $text = eval { PVE::Corosync::write_conf('corosync.conf.new', $conf) };
        if (my $err = $@) {
            $result->{write_dies} = message($err);
        } else {
            $result->{output} = encode_base64($text, '');
        }
    }
    push @out, $result;
}
print JSON::PP->new->canonical->encode(\@out);
"""

# Appended to the module, after the verbatim parts: the tie the harness numbers sections by.
# It gives back exactly the values of the hash it replaces.
TIE = r"""
package Recorder::Order;
sub TIEHASH { my ($class, $values) = @_; return bless { %$values }, $class }
sub FETCH { my ($self, $key) = @_; Recorder::Order::opened(); return $self->{$key} }
sub EXISTS { my ($self, $key) = @_; return exists $self->{$key} }
sub FIRSTKEY { my ($self) = @_; my @k = sort keys %$self; return $k[0] }
sub NEXTKEY { my ($self, $last) = @_; my @k = grep { $_ gt $last } sort keys %$self; return $k[0] }
package PVE::Corosync;
tie %$conf_array_sections, 'Recorder::Order', { %$conf_array_sections };
"""


def run_perl(source: str, inputs: list[bytes]) -> list[dict[str, object]]:
    """Each input through the real subs: {parse_dies} or {write_dies} or {output}, as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        mod = Path(tmp) / "PveCorosyncSubs.pm"
        mod.write_text(module(source).replace("\n1;\n", TIE + "\n1;\n"), encoding="utf-8")
        harness = Path(tmp) / "harness.pl"
        harness.write_text(HARNESS, encoding="utf-8")
        cases = Path(tmp) / "cases.json"
        cases.write_text(json.dumps([base64.b64encode(d).decode() for d in inputs]))
        env = {**os.environ, "PERL_HASH_SEED": "0", "PERL_PERTURB_KEYS": "0"}
        done = subprocess.run(
            ["perl", str(harness), str(mod), str(cases)],
            check=True,
            capture_output=True,
            env=env,
        )
    results: list[dict[str, object]] = json.loads(done.stdout)
    for result in results:
        for key in ("parse_dies", "write_dies", "output"):
            if key in result:
                result[key] = base64.b64decode(str(result[key]))
    return results


def _text(data: bytes) -> str:
    return data.decode("latin-1")


def _perl_version() -> str:
    return subprocess.run(
        ["perl", "-MClone", "-e", 'printf "%vd Clone %s", $^V, $Clone::VERSION'],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def record(repo: str, commit: str) -> dict[str, object]:
    sha = _git(repo, "rev-parse", f"{commit}^{{commit}}").decode().strip()
    blob = _git(repo, "rev-parse", f"{sha}:{SOURCE_PATH}").decode().strip()
    source = _git(repo, "show", f"{sha}:{SOURCE_PATH}").decode("utf-8")
    cases = corpus()
    results = run_perl(source, [data for _, data in cases])
    rows = []
    for (name, data), result in zip(cases, results, strict=True):
        row: dict[str, object] = {"name": name, "input": _text(data)}
        for key in ("parse_dies", "write_dies", "output"):
            value = result.get(key)
            if isinstance(value, bytes):
                row[key] = _text(value)
        if result.get("section_keys"):
            row["section_keys"] = result["section_keys"]
        rows.append(row)
    subs = module(source)
    return {
        "about": (
            "What PVE::Corosync::parse_conf and write_conf (run for real) do with each "
            "input; written by tools/record_pve_perl.py, read by tests/test_conf_pve_perl.py. "
            "Strings hold one character per byte (latin-1)."
        ),
        "source": {
            "repository": "proxmox/pve-cluster",
            "commit": sha,
            "path": SOURCE_PATH,
            "blob": blob,
            "subs_sha256": hashlib.sha256(subs.encode()).hexdigest(),
        },
        "perl": _perl_version(),
        "corpus": {"seed": SEED, "mutations": MUTATIONS, "cases": len(rows)},
        "cases": rows,
    }


def _dump(data: dict[str, object]) -> str:
    return json.dumps(data, indent=0, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=DEFAULT_REPO, help="a pve-cluster git directory")
    parser.add_argument("--commit", default="HEAD", help="the commit to take Corosync.pm from")
    parser.add_argument("--out", type=Path, default=FIXTURE)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    data = record(args.repo, args.commit)
    text = _dump(data)
    if args.check:
        same = args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from a new recording'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    cases = data["cases"]
    assert isinstance(cases, list)
    dies = sum(1 for c in cases if "parse_dies" in c)
    keyed = sum(1 for c in cases if c.get("section_keys", 0) > 1)
    print(
        f"{args.out}: {len(cases)} cases from {data['source']['commit']}: "  # type: ignore[index]
        f"{dies} parse_conf deaths, {keyed} with several entries keyed by a section"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
