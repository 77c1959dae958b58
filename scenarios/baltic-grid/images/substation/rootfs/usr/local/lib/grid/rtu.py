"""A substation's remote terminal unit, small enough to read in one sitting.

`rtu.py telemetry CONFIG`: on each connection, greets with `GRID-TELEMETRY 1
<substation>` and sends one `<feeder> <kV> <state>` line per feeder.
`rtu.py breakers CONFIG`: reads `OPEN <feeder>` / `CLOSE <feeder>` lines and
answers `OPENED <feeder>` / `CLOSED <feeder>`; there is no authentication, which
is the weakness the exercise seeds. Both share the breaker states in
/run/grid-breakers.json, so an opened feeder shows in the telemetry.
"""

import json
import socketserver
import sys
from pathlib import Path

STATES = Path("/run/grid-breakers.json")


def states() -> dict:
    try:
        return json.loads(STATES.read_text())
    except (OSError, ValueError):
        return {}


class Telemetry(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        config = self.server.config
        lines = [f"GRID-TELEMETRY 1 {config['substation']}"]
        held = states()
        for feeder in config["feeders"]:
            state = held.get(feeder["name"], "closed")
            voltage = feeder["kv"] if state == "closed" else 0
            lines.append(f"{feeder['name']} {voltage}kV {state}")
        self.wfile.write(("\n".join(lines) + "\n").encode())


class Breakers(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        known = set(self.server.config["feeders"])
        for raw in self.rfile:
            words = raw.decode(errors="replace").split()
            if len(words) != 2 or words[0] not in ("OPEN", "CLOSE") or words[1] not in known:
                self.wfile.write(b"ERROR\n")
                continue
            held = states()
            held[words[1]] = "open" if words[0] == "OPEN" else "closed"
            STATES.write_text(json.dumps(held))
            self.wfile.write(f"{words[0]}ED {words[1]}\n".replace("CLOSEED", "CLOSED").encode())


def main() -> None:
    kind, config_path = sys.argv[1], sys.argv[2]
    config = json.loads(Path(config_path).read_text())
    handler = Telemetry if kind == "telemetry" else Breakers
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("0.0.0.0", int(config["port"])), handler) as server:
        server.config = config
        server.serve_forever()


if __name__ == "__main__":
    main()
