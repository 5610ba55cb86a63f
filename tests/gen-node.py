#!/usr/bin/env python3
"""Writes a libvirt test-driver node file (test:///abs/path.xml) and an expectations sidecar.

The node file follows the format of libvirt's test driver (src/test/test_driver.c):
<node> holds <cpu>, <memory>, <domain> elements (with the test namespace's <test:runstate>
and <test:transient/>), <network>, <interface> and <pool> elements with their <volume>s.
The sidecar (FILE.expect by default) is tab-separated, one object per line, fields escaped
with backslashes (\\\\ \\t \\n \\r, decoded by g_strcompress), so tests compare against what
was written rather than hard-coded numbers. Output is deterministic.

Things the test driver decides itself, reflected in the sidecar:
- a pool's capacity is 100 GiB whatever the file says; allocation is the sum of its volumes'
  allocations and available the rest;
- every pool, network and interface loads active, nothing autostarts: the sidecar's "active"
  column of a pool or network says what to expect after the test stopped the one marked
  inactive (nvpool-old, nvnet-route);
- a volume without a path gets <pool target>/<name>, and its key is its path.

Sidecar lines (first field is the kind; domains sorted by the bytes of their names):
  host     cpus mhz nodes sockets cores threads memory_kib cpu_model
  domain   name uuid state(virDomainState) vcpus memory_kib max_memory_kib persistent
           title description
  disk     domain device target bus source format
  nic      domain mac type source model
  pool     name uuid type target_path capacity allocation available active
  volume   pool name path(=key) type format capacity allocation
  network  name uuid forward_mode forward_dev bridge ip_count active
  netip    network family address prefix dhcp_start dhcp_end
  iface    name mac
"""

import argparse
import random
import sys
import uuid

NS = uuid.UUID("6f1c2d0e-7a55-4c1b-9d4e-2b9f0a6c3e11")
TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
GIB = 1024 ** 3
MIB = 1024 ** 2
POOL_CAPACITY = 100 * GIB  # the test driver's default, whatever the file says

RUNNING, PAUSED, SHUTOFF = 1, 3, 5

CJK_INDEX = 5
BIDI_INDEX = 2
LONG_INDEX = 3
# U+202E (right-to-left override), U+2066 (isolate), U+009B (C1 CSI: an 8-bit "ESC ["). ESC
# itself (U+001B) is not an XML 1.0 character, so the closest legal relatives stand in.
BIDI_TITLE = "invoice\u202egpj.exe \u009b31mred\u009b0m \u2066iso\u2069 end"
CJK_NAME = "虚拟机-0005"
CJK_TITLE = "数据库服务器（测试）"
LONG_TITLE = ("A very long title " + "0123456789" * 30)[:300]


def xml_escape(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == "'":
            out.append("&apos;")
        elif ch == '"':
            out.append("&quot;")
        elif ch in "\n\t":
            out.append(ch)
        elif cp < 0x20 or cp == 0xFFFE or cp == 0xFFFF or 0xD800 <= cp <= 0xDFFF:
            raise ValueError("U+%04X is not allowed in XML 1.0" % cp)
        elif 0x7F <= cp <= 0x9F or 0x200B <= cp <= 0x200F or 0x202A <= cp <= 0x202E \
                or 0x2066 <= cp <= 0x2069:
            out.append("&#x%X;" % cp)
        else:
            out.append(ch)
    return "".join(out)


def tsv(*fields):
    def esc(value):
        s = str(value)
        return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return "\t".join(esc(f) for f in fields) + "\n"


def obj_uuid(kind, name):
    return str(uuid.uuid5(NS, kind + ":" + name))


def mac_for(i):
    return "52:54:00:%02x:%02x:%02x" % ((i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF)


IMAGES = "/var/lib/libvirt/images/nvtest"


def domain_spec(i):
    name = CJK_NAME if i == CJK_INDEX else "dom-%04d" % i
    if i == CJK_INDEX:
        title = CJK_TITLE
    elif i == BIDI_INDEX:
        title = BIDI_TITLE
    elif i == LONG_INDEX:
        title = LONG_TITLE
    elif i % 4 == 0:
        title = ""
    else:
        title = "Test domain %d" % i
    desc = "Description of %s\nsecond line" % name if i % 5 == 0 else ""
    if i % 3 == 0:
        state = RUNNING
    elif i % 10 == 1:
        state = PAUSED
    else:
        state = SHUTOFF
    transient = state == RUNNING and i % 50 == 0
    vcpus = 1 + (i * 7) % 8
    max_kib = (256 << (i % 5)) * 1024
    cur_kib = max_kib if i % 2 == 0 else max_kib // 2
    disks = []
    if i % 2 == 0:
        disks.append(("disk", "vda", "virtio", "%s/%s.qcow2" % (IMAGES, name), "qcow2"))
    else:
        disks.append(("disk", "sda", "sata", "%s/%s.img" % (IMAGES, name), "raw"))
    if i % 25 == 0:
        disks.append(("cdrom", "sdb", "sata", "", "raw"))
    if i % 3 == 0:
        nic = (mac_for(i), "network", "nvnet-nat", "virtio")
    elif i % 3 == 1:
        nic = (mac_for(i), "bridge", "br0", "e1000")
    else:
        nic = (mac_for(i), "network", "nvnet-isolated", "")
    return {
        "name": name, "uuid": obj_uuid("domain", name), "title": title, "desc": desc,
        "state": state, "transient": transient, "vcpus": vcpus, "max_kib": max_kib,
        "cur_kib": cur_kib, "disks": disks, "nic": nic,
    }


def domain_xml(d):
    lines = ["  <domain type='test' xmlns:test='%s'>" % TEST_NS,
             "    <name>%s</name>" % xml_escape(d["name"]),
             "    <uuid>%s</uuid>" % d["uuid"]]
    if d["title"]:
        lines.append("    <title>%s</title>" % xml_escape(d["title"]))
    if d["desc"]:
        lines.append("    <description>%s</description>" % xml_escape(d["desc"]))
    lines += ["    <memory unit='KiB'>%d</memory>" % d["max_kib"],
              "    <currentMemory unit='KiB'>%d</currentMemory>" % d["cur_kib"],
              "    <vcpu placement='static'>%d</vcpu>" % d["vcpus"],
              "    <os><type arch='x86_64'>hvm</type></os>",
              "    <devices>"]
    for device, target, bus, source, fmt in d["disks"]:
        lines.append("      <disk type='file' device='%s'>" % device)
        lines.append("        <driver name='qemu' type='%s'/>" % fmt)
        if source:
            lines.append("        <source file='%s'/>" % xml_escape(source))
        lines.append("        <target dev='%s' bus='%s'/>" % (target, bus))
        if device == "cdrom":
            lines.append("        <readonly/>")
        lines.append("      </disk>")
    mac, ntype, source, model = d["nic"]
    lines.append("      <interface type='%s'>" % ntype)
    lines.append("        <mac address='%s'/>" % mac)
    lines.append("        <source %s='%s'/>" % ("network" if ntype == "network" else "bridge",
                                                 source))
    if model:
        lines.append("        <model type='%s'/>" % model)
    lines.append("      </interface>")
    lines.append("    </devices>")
    lines.append("    <test:runstate>%d</test:runstate>" % d["state"])
    if d["transient"]:
        lines.append("    <test:transient/>")
    lines.append("  </domain>")
    return "\n".join(lines) + "\n"


POOLS = [
    {"name": "nvpool-dir", "type": "dir", "target": IMAGES, "source": None,
     "volumes": [("disk-a.qcow2", "file", "qcow2", 20 * GIB, 1 * GIB),
                 ("disk-b.img", "file", "raw", 8 * GIB, 8 * GIB),
                 ("seed.iso", "file", "iso", 300 * MIB, 300 * MIB)]},
    {"name": "nvpool-lvm", "type": "logical", "target": "/dev/nvvg", "source": "nvvg",
     "volumes": [("lv-root", "block", "", 4 * GIB, 4 * GIB),
                 ("lv-data", "block", "", 16 * GIB, 16 * GIB)]},
    # Loads active like every pool; the tests stop it to see an inactive one.
    {"name": "nvpool-old", "type": "dir", "target": "/var/lib/libvirt/nvtest-old",
     "source": None, "volumes": [("old.qcow2", "file", "qcow2", 2 * GIB, 512 * MIB)],
     "inactive": True},
]


def pool_xml(p):
    lines = ["  <pool type='%s'>" % p["type"], "    <name>%s</name>" % p["name"],
             "    <uuid>%s</uuid>" % obj_uuid("pool", p["name"])]
    if p["source"]:
        lines.append("    <source><name>%s</name><format type='lvm2'/></source>" % p["source"])
    lines.append("    <target><path>%s</path></target>" % p["target"])
    for name, vtype, fmt, cap, alloc in p["volumes"]:
        lines.append("    <volume type='%s'>" % vtype)
        lines.append("      <name>%s</name>" % name)
        lines.append("      <capacity unit='bytes'>%d</capacity>" % cap)
        lines.append("      <allocation unit='bytes'>%d</allocation>" % alloc)
        if fmt:
            lines.append("      <target><format type='%s'/></target>" % fmt)
        lines.append("    </volume>")
    lines.append("  </pool>")
    return "\n".join(lines) + "\n"


# (name, forward mode, forward dev, bridge, [(family, address, netmask or None, prefix,
#  dhcp start, dhcp end)])
NETWORKS = [
    ("nvnet-bridge", "bridge", "", "br0", []),
    ("nvnet-isolated", "isolated", "", "nvbr-iso",
     [("ipv4", "10.151.0.1", None, 24, "10.151.0.50", "10.151.0.99")]),
    ("nvnet-nat", "nat", "", "nvbr-nat",
     [("ipv4", "192.168.150.1", None, 24, "192.168.150.10", "192.168.150.100"),
      ("ipv6", "fd00:150::1", None, 64, "fd00:150::100", "fd00:150::1ff")]),
    # Loads active like every network; the tests stop it to see an inactive one.
    ("nvnet-route", "route", "eth0", "nvbr-route",
     [("ipv4", "10.150.0.1", "255.255.255.0", 24, "", "")]),
]
STOPPED_NETWORK = "nvnet-route"


def network_xml(n):
    name, mode, dev, bridge, ips = n
    lines = ["  <network>", "    <name>%s</name>" % name,
             "    <uuid>%s</uuid>" % obj_uuid("network", name)]
    if mode != "isolated":
        lines.append("    <forward mode='%s'%s/>" % (mode, " dev='%s'" % dev if dev else ""))
    lines.append("    <bridge name='%s'/>" % bridge)
    for family, addr, netmask, prefix, start, end in ips:
        attrs = "family='ipv6' address='%s' prefix='%d'" % (addr, prefix) if family == "ipv6" \
            else ("address='%s' netmask='%s'" % (addr, netmask) if netmask
                  else "address='%s' prefix='%d'" % (addr, prefix))
        if start:
            lines.append("    <ip %s>" % attrs)
            lines.append("      <dhcp><range start='%s' end='%s'/></dhcp>" % (start, end))
            lines.append("    </ip>")
        else:
            lines.append("    <ip %s/>" % attrs)
    lines.append("  </network>")
    return "\n".join(lines) + "\n"


HOST = {"nodes": 1, "sockets": 2, "cores": 4, "threads": 2, "mhz": 2600, "model": "x86_64",
        "memory_kib": 32 * 1024 * 1024}
IFACE = ("eth0", "52:54:00:fe:00:01")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domains", type=int, required=True, help="number of domains")
    ap.add_argument("--out", required=True, help="node file to write")
    ap.add_argument("--expect", help="expectations file (default: OUT.expect)")
    args = ap.parse_args()
    if args.domains < 6:
        ap.error("--domains must be at least 6 (the special domains are 2, 3 and 5)")

    domains = [domain_spec(i) for i in range(1, args.domains + 1)]
    # The file lists domains shuffled, so sorting by name is the reader's job.
    order = list(range(len(domains)))
    random.Random(4242).shuffle(order)
    cpus = HOST["nodes"] * HOST["sockets"] * HOST["cores"] * HOST["threads"]

    node = ["<?xml version='1.0' encoding='UTF-8'?>\n",
            "<!-- generated by tests/gen-node.py: %d domains -->\n" % args.domains,
            "<node>\n",
            "  <cpu><nodes>%(nodes)d</nodes><sockets>%(sockets)d</sockets>"
            "<cores>%(cores)d</cores><threads>%(threads)d</threads>" % HOST,
            "<active>%d</active><mhz>%d</mhz><model>%s</model></cpu>\n"
            % (cpus, HOST["mhz"], HOST["model"]),
            "  <memory>%d</memory>\n" % HOST["memory_kib"]]
    node += [domain_xml(domains[k]) for k in order]
    node += [network_xml(n) for n in NETWORKS]
    node.append("  <interface type='ethernet' name='%s'>\n"
                "    <start mode='onboot'/>\n"
                "    <mac address='%s'/>\n"
                "    <protocol family='ipv4'><ip address='127.0.0.2' prefix='8'/></protocol>\n"
                "  </interface>\n" % IFACE)
    node += [pool_xml(p) for p in POOLS]
    node.append("</node>\n")

    exp = ["# generated by tests/gen-node.py; see its header for the format\n",
           tsv("host", cpus, HOST["mhz"], HOST["nodes"], HOST["sockets"], HOST["cores"],
               HOST["threads"], HOST["memory_kib"], HOST["model"])]
    for d in sorted(domains, key=lambda x: x["name"].encode()):
        exp.append(tsv("domain", d["name"], d["uuid"], d["state"], d["vcpus"], d["cur_kib"],
                       d["max_kib"], 0 if d["transient"] else 1, d["title"], d["desc"]))
        for disk in d["disks"]:
            exp.append(tsv("disk", d["name"], *disk))
        exp.append(tsv("nic", d["name"], *d["nic"]))
    for p in POOLS:
        alloc = sum(v[4] for v in p["volumes"])
        exp.append(tsv("pool", p["name"], obj_uuid("pool", p["name"]), p["type"], p["target"],
                       POOL_CAPACITY, alloc, POOL_CAPACITY - alloc,
                       0 if p.get("inactive") else 1))
        for name, vtype, fmt, cap, alloc in sorted(p["volumes"]):
            path = p["target"] + "/" + name
            exp.append(tsv("volume", p["name"], name, path, vtype, fmt, cap, alloc))
    for name, mode, dev, bridge, ips in NETWORKS:
        exp.append(tsv("network", name, obj_uuid("network", name), mode, dev, bridge, len(ips),
                       0 if name == STOPPED_NETWORK else 1))
        for family, addr, _netmask, prefix, start, end in ips:
            exp.append(tsv("netip", name, family, addr, prefix, start, end))
    exp.append(tsv("iface", *IFACE))

    with open(args.out, "w", encoding="utf-8") as f:
        f.writelines(node)
    with open(args.expect or args.out + ".expect", "w", encoding="utf-8") as f:
        f.writelines(exp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
