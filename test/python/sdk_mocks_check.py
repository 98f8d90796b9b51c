"""Runs a Python program of the generated SDK (pulumi_hepaf) under Pulumi's own Python mocks and
prints, as JSON lines, each resource the program registers: its type, name and inputs as the
SDK serialized them for the engine (property names on the wire; secrets marked as the engine
receives them).

Usage: python sdk_mocks_check.py PROGRAM.py   (config from PULUMI_CONFIG, as the engine sets it)
"""
import asyncio
import json
import runpy
import sys

import pulumi
from pulumi.runtime.stack import wait_for_rpcs


class Recorder(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        print(json.dumps({"type": args.typ, "name": args.name, "inputs": args.inputs}, default=str), flush=True)
        return [f"{args.name}-id", {}]

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def main() -> None:
    program = sys.argv[1]
    pulumi.runtime.set_mocks(Recorder(), project="hepaf-example", stack="dev", preview=False)
    runpy.run_path(program, run_name="__main__")
    # Every registration the program started, awaited (the mocks' stack is the root).
    asyncio.get_event_loop().run_until_complete(wait_for_rpcs())


if __name__ == "__main__":
    main()
