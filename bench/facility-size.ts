/**
 * One measurement: declares a facility of N groups (each with profiles, a gateway and its own
 * HTCondor pool) under Pulumi's mock runtime and prints JSON: program time (until every
 * registration has finished), resources (and by type), Kubernetes objects, peak memory, and the
 * engine's write cost as bench/write-cost.ts models it. Run in a fresh process per size by
 * bench/run.ts.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { stateBytes, writeCost } from "./write-cost";

const groups = Number(process.argv[2] ?? 1);
/** `--group-stacks`: the facility's own stack of a site with a stack per group (`groupStacks`). */
const groupStacks = process.argv[3] === "--group-stacks";
let resources = 0;
let k8sObjects = 0;
const byType: Record<string, number> = {};
const sizes: number[] = [];
pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            resources++;
            byType[args.type] = (byType[args.type] ?? 0) + 1;
            if (args.type.startsWith("kubernetes:") && args.type !== "pulumi:providers:kubernetes") k8sObjects++;
            const state = { ...args.inputs, certPem: "cert", privateKeyPem: "key", certRequestPem: "csr", result: "r", hex: "00", b64Std: "AA==" };
            sizes.push(stateBytes("bench", "hepaf", { type: args.type, name: args.name, inputs: args.inputs, outputs: state }));
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    },
    "hepaf",
    "bench",
    true,
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AnalysisFacility } = require("../components") as typeof import("../components");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRegistrations } = require("../infra/registrations") as typeof import("../infra/registrations");

async function main(): Promise<void> {
    const start = process.hrtime.bigint();
    const names = Array.from({ length: groups }, (_, i) => `g${i}`);
    new AnalysisFacility("af", {
        domain: "af.example.org",
        traefik: { crds: { source: "none" } },
        hub: { login: { type: "dummy" }, allowDummy: true },
        htcondor: {
            pools: Object.fromEntries(
                names.map((g) => [
                    `pool-${g}`,
                    {
                        mode: "external" as const,
                        collector: `cm.${g}.example.edu`,
                        schedd: { host: `ap.${g}.example.edu` },
                        trustDomain: `${g}.example.edu`,
                        tokens: { source: "mint" as const, signingKey: pulumi.secret(crypto.randomBytes(32).toString("base64")) },
                    },
                ]),
            ),
        },
        groups: names.map((g) => ({
            name: g,
            members: { claimValues: [g.toUpperCase()] },
            profiles: [
                { name: "small", image: "example/coffea:1", cpuGuarantee: "1", memoryGuarantee: "2Gi" },
                { name: "large", image: "example/coffea:1", cpuGuarantee: "4", memoryGuarantee: "16Gi" },
            ],
            gateway: { limits: { maxWorkers: 100, idleTimeoutMinutes: 30 } },
            htcondor: { pool: `pool-${g}`, accountingGroup: `group_${g}` },
        })),
        groupStacks,
    });
    await waitForRegistrations();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(JSON.stringify({ groups, ms: Math.round(ms), resources, k8sObjects, peakRssMiB, byType, writes: writeCost(sizes) }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
