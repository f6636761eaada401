"""What cloud-init itself reads from a network configuration: the oracle for
test/cloud-init/network-config-oracle.test.ts. Usage: cloud-init-network-oracle.py KIND FILE
[MACS], KIND = network-config | meta-data | network_data.json, MACS a JSON object of the
machine's MAC -> interface name (network_data.json needs it). Prints one JSON object: the statically
configured interfaces (mac, name, addresses, gateways, name servers, mtu, vlan) and the DHCP
ones, as cloud-init's network_state has them. Needs Debian's cloud-init package (python3-only).
"""
import base64
import gzip
import json
import sys

from cloudinit import safeyaml
from cloudinit.net.network_state import parse_net_config_data
from cloudinit.sources.helpers.openstack import convert_net_json

kind, path = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    raw = f.read()

if kind == "network_data.json":
    cfg = convert_net_json(json.loads(raw), known_macs=json.loads(sys.argv[3]))
elif kind == "meta-data":
    md = safeyaml.load(raw)
    cfg = md["network"]
    enc = md.get("network.encoding")
    if enc in ("base64", "b64"):
        cfg = safeyaml.load(base64.b64decode(cfg))
    elif enc in ("gzip+base64", "gz+b64"):
        cfg = safeyaml.load(gzip.decompress(base64.b64decode(cfg)))
else:
    cfg = safeyaml.load(raw)
if "network" in cfg and "version" not in cfg:
    cfg = cfg["network"]

state = parse_net_config_data(cfg)
out = {"interfaces": [], "dns": list(state.dns_nameservers), "routes": []}
for iface in state.iter_interfaces():
    entry = {
        "name": iface.get("name"),
        "mac": (iface.get("mac_address") or "").lower() or None,
        "type": iface.get("type"),
        "mtu": iface.get("mtu"),
        "vlan_id": iface.get("vlan_id"),
        "vlan_link": iface.get("vlan-raw-device") or iface.get("vlan_link"),
        "static": [],
        "dhcp": [],
    }
    for s in iface.get("subnets", []):
        t = s.get("type")
        if t in ("static", "static6"):
            entry["static"].append({
                "address": s.get("address"),
                "prefix": s.get("prefix"),
                "gateway": s.get("gateway"),
                "dns": s.get("dns_nameservers", []),
                "routes": [r.get("gateway") for r in s.get("routes", []) if r.get("prefix") == 0],
            })
        elif t:
            entry["dhcp"].append(t)
    out["interfaces"].append(entry)
for r in state.iter_routes():
    out["routes"].append({"network": r.get("network"), "prefix": r.get("prefix"), "gateway": r.get("gateway")})
print(json.dumps(out, default=str))
