#!/usr/bin/env python3
"""The Python binding's throughput on the core benchmark's streams, as a ratio to the Rust API.

Runs the four EPP patterns of benches/session.rs (hello, login+logout, poll req+ack, a 1 KB
domain:info passed through) through the installed `libepp` package with batched input: the
same 16 pipelined operations per feed_input (one per login+logout), every request drained with
drain_queue() and answered, the output taken once. Reads the Rust figures of the same run from
target/bench-results/core.json (written by `cargo bench --bench session`), prints the ratios
and writes target/bench-results/python.json.

    python benches/python_bench.py [--quick] [--results DIR]

Run by benches/run.sh, which installs the package in a virtualenv first.
"""

import argparse
import json
import os
import sys
import time

import libepp

DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
NOW = 1_800_000_000.0
BATCH = 16

HELLO = '<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>'
POLL_REQ = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/><clTRID>ABC-12345-XYZ</clTRID></command></epp>'
POLL_ACK = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="ack" msgID="1234"/><clTRID>ABC-12346-XYZ</clTRID></command></epp>'
LOGOUT = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/><clTRID>LOGOUT-1</clTRID></command></epp>'
INFO = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info><domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name hosts="all">example.com</domain:name></domain:info></info><clTRID>INFO-12345</clTRID></command></epp>'
LOGIN = (
    '<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login>'
    "<clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options>"
    f"<svcs><objURI>{DOMAIN}</objURI></svcs></login><clTRID>LOGIN-1</clTRID></command></epp>"
)


def inf_data():
    """The same ~1 KB infData as benches/session.rs."""
    x = (
        f'<domain:infData xmlns:domain="{DOMAIN}"><domain:name>example.com</domain:name>'
        '<domain:roid>EXAMPLE1-REP</domain:roid><domain:status s="ok"/><domain:registrant>jd1234'
        '</domain:registrant><domain:contact type="admin">sh8013</domain:contact><domain:contact '
        'type="tech">sh8013</domain:contact><domain:ns>'
    )
    x += "".join(f"<domain:hostObj>ns{i}.example-hosting-provider.net</domain:hostObj>" for i in range(1, 9))
    x += "</domain:ns>"
    x += "".join(f"<domain:host>ns{i}.example.com</domain:host>" for i in range(1, 5))
    x += (
        "<domain:clID>ClientX</domain:clID><domain:crID>ClientY</domain:crID><domain:crDate>"
        "1999-04-03T22:00:00.0Z</domain:crDate><domain:upID>ClientX</domain:upID><domain:upDate>"
        "1999-12-03T09:00:00.0Z</domain:upDate><domain:exDate>2005-04-03T22:00:00.0Z</domain:exDate>"
        "<domain:trDate>2000-04-08T09:00:00.0Z</domain:trDate><domain:authInfo><domain:pw>2fooBAR"
        "</domain:pw></domain:authInfo></domain:infData>"
    )
    return x


def frame(xml):
    b = xml.encode()
    return (len(b) + 4).to_bytes(4, "big") + b


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 rounds of ~5 ms instead of 10 of ~20 ms")
    ap.add_argument("--results", default=os.path.join(os.path.dirname(__file__), "..", "target", "bench-results"))
    args = ap.parse_args()
    rounds, round_time = (3, 0.005) if args.quick else (10, 0.02)

    server = libepp.Server(libepp.Config("bench server", object_uris=[DOMAIN]), NOW)
    message = libepp.PollMessage(1234, 5, NOW, "Transfer requested.")
    info_response = libepp.Response(1000, res_data=inf_data())

    def answer_all(s):
        for r in s.drain_queue():
            k = r.kind
            if k == "login":
                s.answer_login(r.id, "accepted")
            elif k == "poll":
                s.answer_poll(r.id, message)
            elif k == "poll_ack":
                s.answer_ack(r.id, 4)
            elif k == "command":
                s.answer_command(r.id, info_response)

    def logged_in():
        s = libepp.Session(server, NOW)
        s.feed_input(frame(LOGIN), NOW)
        answer_all(s)
        s.take_output()
        return s

    def measure(ops_per_call, f):
        t = time.perf_counter()
        calls = 0
        while time.perf_counter() - t < round_time / 2 or calls < 3:
            f()
            calls += 1
        per_call = (time.perf_counter() - t) / calls
        per_round = max(1, int(round_time / per_call))
        best = float("inf")
        for _ in range(rounds):
            t = time.perf_counter()
            for _ in range(per_round):
                f()
            best = min(best, (time.perf_counter() - t) * 1e9 / (per_round * ops_per_call))
        return best

    results = {}

    hello_stream = frame(HELLO) * BATCH
    s = logged_in()

    def hello():
        s.feed_input(hello_stream, NOW)
        s.take_output()

    results["hello"] = measure(BATCH, hello)

    login_stream = frame(LOGIN) + frame(LOGOUT)

    def login_logout():
        t = libepp.Session(server, NOW)
        t.feed_input(login_stream, NOW)
        answer_all(t)
        t.take_output()

    results["login+logout"] = measure(1, login_logout)

    poll_stream = (frame(POLL_REQ) + frame(POLL_ACK)) * (BATCH // 2)
    p = logged_in()

    def poll():
        p.feed_input(poll_stream, NOW)
        answer_all(p)
        p.take_output()

    results["poll req+ack"] = measure(BATCH // 2, poll)

    info_stream = frame(INFO) * BATCH
    i = logged_in()

    def info():
        i.feed_input(info_stream, NOW)
        answer_all(i)
        i.take_output()

    results["info 1 KB"] = measure(BATCH, info)

    core_path = os.path.join(args.results, "core.json")
    try:
        with open(core_path) as f:
            core = {p["name"]: p for p in json.load(f)["patterns"]}
    except OSError as e:
        sys.exit(f"python_bench: {core_path}: {e} (run `cargo bench --bench session` first)")

    print(f"\nPython binding (libepp {getattr(libepp, '__version__', '?')}, batched input of {BATCH}):")
    print(f"{'pattern':<14} {'ns/op':>9} {'ops/s':>10} {'Rust ns/op':>11} {'Py/Rust':>8}")
    out = {"patterns": []}
    rust_sum = py_sum = 0.0
    for name, ns in results.items():
        rust = core[name]["ns_per_op"]
        rust_sum += rust
        py_sum += ns
        print(f"{name:<14} {ns:>9.0f} {1e9 / ns:>10.0f} {rust:>11.0f} {rust / ns:>8.3}")
        out["patterns"].append({"name": name, "ns_per_op": ns, "ops_per_s": 1e9 / ns, "rust_ns_per_op": rust, "ratio": rust / ns})
    out["mix_ratio"] = rust_sum / py_sum
    print(f"the four patterns together: Python at {out['mix_ratio']:.3f} of the Rust API (target >= 0.25)")
    with open(os.path.join(args.results, "python.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
