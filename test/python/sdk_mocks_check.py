"""Runs a Python program of the generated SDK (pulumi_hepaf) under Pulumi's own Python mocks and
prints, as JSON lines, each resource the program registers: its type, name and inputs as the
SDK serialized them for the engine (property names on the wire; secrets marked as the engine
receives them).

Usage: python sdk_mocks_check.py PROGRAM.py [--preview]   (config from PULUMI_CONFIG, as the engine
sets it). With --preview the program runs as at a preview: the components' outputs are unknown
to the mocks, so what one component passes another arrives as the engine's unknown value.
"""
import asyncio
import json
import runpy
import sys
import threading

import pulumi
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.stack import wait_for_rpcs


def wire(value: object) -> str:
    """An unknown value as the engine sends it (its sentinel string); anything else as text."""
    return UNKNOWN if isinstance(value, Unknown) else str(value)


class Recorder(pulumi.runtime.Mocks):
    # The SDK registers resources from several threads: one whole line at a time.
    lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        line = json.dumps({"type": args.typ, "name": args.name, "inputs": args.inputs}, default=wire)
        with self.lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        return [f"{args.name}-id", {}]

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def main() -> None:
    program = sys.argv[1]
    pulumi.runtime.set_mocks(Recorder(), project="hepaf-example", stack="dev", preview="--preview" in sys.argv[2:])
    runpy.run_path(program, run_name="__main__")
    # Every registration the program started, awaited (the mocks' stack is the root).
    asyncio.get_event_loop().run_until_complete(wait_for_rpcs())


if __name__ == "__main__":
    main()
