"""A stand-in for the `docker` CLI, enough for deploy/rolling-deploy.sh: containers of the service `app` in a
JSON state file (FAKE_DOCKER_STATE), each new one walking through the health states the test scripts for it.

Every command is appended to the state's `events`, with the number of replicas serving at that moment (running
and healthy), so that a test can tell whether the service ever went short.

    {"migrate_exit": 0, "image": "v2", "new_health": ["starting", "healthy"],
     "containers": [{"id": "a1", "image": "v1", "status": "running", "health": ["healthy"]}], "events": []}
"""

import json
import os
import sys
from pathlib import Path
from typing import Any


def serving(state: dict[str, Any]) -> int:
    return sum(1 for c in state["containers"] if c["status"] == "running" and c["health"][0] == "healthy")


def run(state: dict[str, Any], args: list[str]) -> int:
    if args[0] == "compose":
        words = [a for a in args[1:] if not a.startswith("-")]
        verb = next(w for w in words if w in {"ps", "pull", "run", "up"})
        if verb == "ps":
            sys.stdout.write("".join(f"{c['id']}\n" for c in state["containers"] if c["status"] == "running"))
        elif verb == "run":
            return int(state["migrate_exit"])
        elif verb == "up":
            wanted = int(next(a for a in args if a.startswith("app=")).removeprefix("app="))
            for _ in range(wanted - len(state["containers"])):
                container_id = f"n{len(state['events'])}{len(state['containers'])}"
                state["containers"].append(
                    {
                        "id": container_id,
                        "image": state["image"],
                        "status": "running",
                        "health": list(state["new_health"]),
                    }
                )
        return 0
    if args[0] == "inspect":
        container = next(c for c in state["containers"] if c["id"] == args[-1])
        sys.stdout.write(f"{container['status']}/{container['health'][0]}\n")
        if len(container["health"]) > 1:
            container["health"].pop(0)  # the next look sees the next state
        return 0
    if args[0] == "stop":
        for container in state["containers"]:
            if container["id"] in args[1:]:
                container["status"] = "exited"
        return 0
    if args[0] == "rm":
        state["containers"] = [c for c in state["containers"] if c["id"] not in args[1:]]
        return 0
    return 2


def main() -> int:
    path = Path(os.environ["FAKE_DOCKER_STATE"])
    state = json.loads(path.read_text())
    args = sys.argv[1:]
    returncode = run(state, args)
    if args[0] == "compose":  # the compose verb and what follows it, options left out
        start = next(i for i, a in enumerate(args) if a in {"ps", "pull", "run", "up"})
        verb = " ".join(["compose", *(a for a in args[start:] if not a.startswith("-"))])
    else:
        verb = args[0]
    state["events"].append({"command": verb, "serving": serving(state), "returncode": returncode})
    path.write_text(json.dumps(state))
    return returncode


if __name__ == "__main__":
    sys.exit(main())
