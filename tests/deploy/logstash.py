"""The logstash pipeline, checked without Logstash (a JVM application that is not installed here).

`lscl` (PyPI) is a parser written from Logstash's own LSCL grammar (logstash-core's lscl_grammar.treetop):
it refuses what Logstash's config compiler would refuse as syntax (braces, `=>`, quoting, conditionals) and
gives a tree. On that tree this module also checks the shape Logstash expects (input, filter and output
sections holding plugins Logstash ships) and reads which fields of the app's JSON lines the filters use.
What it cannot prove: that each plugin accepts each option and value; only a Logstash
(`bin/logstash --config.test_and_exit`) can tell that.

Run as `python -m tests.deploy.logstash FILE...` (make deploy-check does).
"""

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lscl.errors import DecodeError
from lscl.lang import LsclAttribute, LsclBlock, LsclConditions, LsclSelector
from lscl.parser import parse_lscl

ROOT = Path(__file__).resolve().parents[2]

PIPELINE = ROOT / "infra" / "logstash" / "pipeline" / "order-service.conf"

SECTIONS = {"input", "filter", "output"}
# Plugins bundled with the Logstash distribution that a pipeline of this project may use.
PLUGINS = {
    "input": {"beats", "elastic_agent", "http", "stdin", "tcp", "udp"},
    "filter": {"date", "dissect", "drop", "fingerprint", "grok", "json", "kv", "mutate", "prune", "translate"},
    "output": {"elasticsearch", "stdout"},
}
_FIELD_REFERENCE = re.compile(r"\[([^\[\]]+)\]")


class PipelineError(ValueError):
    """The pipeline would not load."""


def parse(text: str) -> list[Any]:
    """The pipeline's top-level blocks; PipelineError (with line and column) if it does not parse."""
    try:
        blocks: list[Any] = parse_lscl(text)
    except DecodeError as exc:
        raise PipelineError(str(exc)) from exc
    return blocks


def check(text: str) -> list[Any]:
    """Parse, then check the sections and the plugins in them."""
    blocks = parse(text)
    found: set[str] = set()
    for block in blocks:
        if not isinstance(block, LsclBlock) or block.name not in SECTIONS:
            msg = f"only input, filter and output sections may stand at the top level, not {_describe(block)}"
            raise PipelineError(msg)
        found.add(block.name)
        for plugin in _plugins(block.content):
            if plugin.name not in PLUGINS[block.name]:
                msg = f"{block.name} plugin {plugin.name!r} is not one of {sorted(PLUGINS[block.name])}"
                raise PipelineError(msg)
    if missing := {"input", "output"} - found:
        msg = f"the pipeline has no {' and no '.join(sorted(missing))} section"
        raise PipelineError(msg)
    return blocks


def _describe(element: Any) -> str:
    return f"block {element.name!r}" if isinstance(element, LsclBlock) else type(element).__name__


def _plugins(content: list[Any]) -> Iterator[Any]:
    """The plugin blocks of a section, those inside `if`/`else if`/`else` included."""
    for element in content:
        if isinstance(element, LsclBlock):
            yield element
        elif isinstance(element, LsclConditions):
            for _, branch in element.conditions:
                yield from _plugins(branch)
            yield from _plugins(element.default or [])


def _strings(value: Any) -> Iterator[str]:
    """Every string in an attribute value or a condition: dict keys and values, list items, selectors."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, LsclSelector):
        yield "".join(f"[{name}]" for name in value.names)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif hasattr(value, "__dict__"):  # conditions and blocks (pydantic models)
        for item in vars(value).values():
            yield from _strings(item)


def json_target(blocks: list[Any]) -> str:
    """Where the json filter puts the app's parsed line (its `target`)."""
    for block in blocks:
        if isinstance(block, LsclBlock) and block.name == "filter":
            for plugin in _plugins(block.content):
                if plugin.name == "json":
                    for attribute in plugin.content:
                        if isinstance(attribute, LsclAttribute) and attribute.name == "target":
                            return str(attribute.content)
    msg = "the filter section has no json filter with a target"
    raise PipelineError(msg)


def app_fields_read(text: str) -> set[str]:
    """The top-level keys of the app's JSON lines that the filters read: every `[<target>][<key>]`."""
    blocks = check(text)
    target = json_target(blocks).strip("[]")
    fields = set()
    for block in blocks:
        if isinstance(block, LsclBlock) and block.name == "filter":
            for string in _strings(block):
                names = _FIELD_REFERENCE.findall(string)
                if len(names) >= 2 and names[0] == target:
                    fields.add(names[1])
    return fields


def main(paths: list[str]) -> int:
    failed = False
    for path in paths:
        try:
            check(Path(path).read_text())
        except PipelineError as exc:
            sys.stderr.write(f"{path}: {exc}\n")
            failed = True
        else:
            sys.stdout.write(f"{path}: pipeline parses (LSCL grammar), sections and plugins known\n")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
