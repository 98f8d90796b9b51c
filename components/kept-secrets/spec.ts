/**
 * Secrets made in the cluster: what the keeper (`hepaf_keeper.py`) is told to make and where to
 * keep it. A spec holds names and how each value is made, never a value, so it may sit in a
 * ConfigMap and in a render. Pure functions; the hub's pod runs the keeper (see
 * {@link keeperInitContainer}).
 */
import * as fs from "fs";
import { shippedFile } from "../common";
import type { PolicyRule } from "../common";

/** Who makes a part's secrets: the program (random resources, in Pulumi state and a render) or the hub's keeper, in the cluster. */
export const SECRETS_MADE_BY = ["program", "cluster"] as const;
/** One of {@link SECRETS_MADE_BY}. */
export type SecretsMadeBy = (typeof SECRETS_MADE_BY)[number];

/** Random bytes: hex text (cookie secrets, API tokens) or the raw bytes (a key file). */
export interface RandomValue {
    kind: "random";
    /** How many random bytes. */
    bytes: number;
    /** `hex`: written as hex text; `raw`: the bytes themselves. */
    encoding: "hex" | "raw";
}

/** An HTCondor IDTOKEN signed with another kept value (a pool's signing key file). */
export interface HTCondorTokenValue {
    kind: "htcondor-token";
    /** Id of the value holding the signing key file. */
    signingKey: string;
    /** Key id (`kid`) of the signing key. */
    keyId: string;
    /** Issuer (`iss`): the pool's trust domain. */
    issuer: string;
    /** Subject (`sub`): the identity the token authenticates as. */
    subject: string;
    /** Authorizations (`scope`), e.g. `condor:/READ`. */
    scopes: readonly string[];
    /** Lifetime in days (`exp`), or null for none. */
    lifetimeDays: number | null;
}

/** How one value is made. */
export type KeptValue = RandomValue | HTCondorTokenValue;

/** One Secret the keeper writes: each key names the value it holds. */
export interface KeptSecret {
    /** Namespace of the Secret. */
    namespace: string;
    /** Name of the Secret. */
    name: string;
    /** Labels the keeper sets on it. */
    labels: Record<string, string>;
    /** Key in the Secret -> id of its value. */
    data: Record<string, string>;
}

/** What a component asks the keeper for: its Secrets and the values only it defines. */
export interface KeptSecrets {
    /** The Secrets, in the order the keeper writes them. */
    secrets: KeptSecret[];
    /** How each value only this component uses is made, by id. */
    values: Record<string, KeptValue>;
}

/** The keeper's whole spec (`keeper.json`). */
export interface KeeperSpec extends KeptSecrets {
    /** Written on each Secret as `hepaf.io/made-by`. */
    madeBy: string;
}

/** The keeper's program file name, shipped beside this module. */
export const KEEPER_PROGRAM = "hepaf_keeper.py";
/** The spec's file name beside the program. */
export const KEEPER_SPEC_FILE = "keeper.json";
/** The annotation every Secret the keeper makes carries. */
export const MADE_BY_ANNOTATION = "hepaf.io/made-by";

/** 32 random bytes as 64 hex characters: JupyterHub's cookie secret and crypt key, API tokens. */
export const HEX_32: RandomValue = { kind: "random", bytes: 32, encoding: "hex" };

/**
 * Joins what each part asks for into one spec, in order (the first Secret listing a value is
 * where it is read back from first). Refuses a Secret listed twice, a value defined twice
 * differently, and a key naming a value nobody defines.
 */
export function joinKeptSecrets(madeBy: string, parts: KeptSecrets[]): KeeperSpec {
    const secrets: KeptSecret[] = [];
    const values: Record<string, KeptValue> = {};
    const seen = new Set<string>();
    for (const part of parts) {
        for (const [id, v] of Object.entries(part.values)) {
            if (id in values && JSON.stringify(values[id]) !== JSON.stringify(v)) throw new Error(`kept secrets: value "${id}" is defined twice, differently`);
            values[id] = v;
        }
        for (const s of part.secrets) {
            const key = `${s.namespace}/${s.name}`;
            if (seen.has(key)) throw new Error(`kept secrets: Secret ${key} is listed twice`);
            seen.add(key);
            secrets.push(s);
        }
    }
    for (const s of secrets) {
        for (const [key, id] of Object.entries(s.data)) {
            if (!(id in values)) throw new Error(`kept secrets: ${s.namespace}/${s.name} key "${key}" names value "${id}", which no part defines`);
        }
    }
    for (const [id, v] of Object.entries(values)) {
        if (v.kind === "htcondor-token" && !(v.signingKey in values)) throw new Error(`kept secrets: token "${id}" is signed with "${v.signingKey}", which no part defines`);
    }
    return { madeBy, secrets, values };
}

/** The spec file's text. */
export function keeperSpecText(spec: KeeperSpec): string {
    return `${JSON.stringify(spec, null, 2)}\n`;
}

/** The rules the keeper's ServiceAccount needs in each namespace it writes (create cannot be limited by name). */
export function keeperRules(spec: KeeperSpec): { namespace: string; rules: PolicyRule[] }[] {
    const byNs = new Map<string, string[]>();
    for (const s of spec.secrets) byNs.set(s.namespace, [...(byNs.get(s.namespace) ?? []), s.name]);
    return [...byNs.entries()].map(([namespace, names]) => ({
        namespace,
        rules: [
            { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
            { apiGroups: [""], resources: ["secrets"], resourceNames: [...names].sort(), verbs: ["get", "patch"] },
        ],
    }));
}

/** The keeper program's source. */
export function keeperProgramText(): string {
    return fs.readFileSync(shippedFile("kept-secrets", KEEPER_PROGRAM), "utf8");
}
