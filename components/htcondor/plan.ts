import { SECRETS_MADE_BY, SecretsMadeBy } from "../kept-secrets";
import * as pulumi from "@pulumi/pulumi";
import { check, groupNamespace, isDnsName, requireDnsLabel, requireOneOf, requirePositiveInteger, requireUnique } from "../common";
import { HTCondorPoolArgs, MintedTokens, RemoteTokens } from "./args";
import { renderCondorConfig } from "./condor-config";
import { clientKnobs } from "./client";
import { JobqueueSettings, jobqueueSettings } from "./dask-config";
import { POOL_KEY_ID } from "./tokens";
import { requireImageReference } from "../images";
import { DEFAULT_WORKER_IMAGE, HTCONDOR_IMAGE_TAG, HTCONDOR_PORT, htcondorImage, TOKEN_INIT_IMAGE } from "./version";

/** Pool modes. */
export const POOL_MODES = ["external", "in-cluster"] as const;
/** Token sources of an external pool. */
export const TOKEN_SOURCES = ["provided", "mint", "remote", "site"] as const;

/** One group, resolved. */
export interface PoolGroupPlan {
    name: string;
    namespace: string;
    identity: string;
    accountingGroup?: string;
    jobqueue: JobqueueSettings;
    configMapName: string;
    tokenSecretName: string;
    condorConfig: string;
    token?: pulumi.Input<string>;
    /** Image of the notebooks' token init step (the pool's `tokenInitImage`, else the pinned busybox). */
    tokenInitImage: string;
}

/** How tokens are obtained, resolved. */
export type PoolTokenPlan =
    | { source: "provided" }
    | { source: "site" }
    | { source: "mint"; signingKey?: pulumi.Input<string>; keyId: string; lifetimeDays?: number; issuedAt?: number }
    | { source: "remote"; connection: RemoteTokens["connection"]; keyId: string; lifetimeDays?: number };

/** In-cluster parts, resolved. */
export interface InClusterPlan {
    namespace: string;
    cmService: string;
    submitService: string;
    images: { cm: string; submit: string; execute: string };
    execute: { replicas: number; maxReplicas: number; cpus: number; memoryMiB: number };
    /** Who makes the signing key and the tokens: the program, or the hub's keeper in the cluster. */
    secretsMadeBy: SecretsMadeBy;
}

/** Everything decided from the args, validated, before any resource exists. */
export interface PoolPlan {
    mode: (typeof POOL_MODES)[number];
    collector: string;
    scheddName: string;
    trustDomain: string;
    uidDomain: string;
    tokens: PoolTokenPlan;
    groups: PoolGroupPlan[];
    inCluster?: InClusterPlan;
}

const ACCOUNTING_GROUP = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const IDENTITY = /^[A-Za-z0-9_.-]+@[a-z0-9.-]+$/;

function requireHostPort(value: string, argument: string): void {
    const [host, port, ...rest] = typeof value === "string" ? value.split(":") : [];
    check(
        rest.length === 0 && host !== undefined && isDnsName(host) && (port === undefined || /^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535),
        argument,
        `"${value}" is not a valid host name or host:port`,
    );
}

function requireTrustDomain(value: unknown, argument: string): void {
    check(typeof value === "string" && isDnsName(value), argument, `"${value}" is not a valid trust domain: use a DNS host name such as "example.edu"`);
}

function resolveKeyId(keyId: string | undefined, argument: string): string {
    const id = keyId ?? POOL_KEY_ID;
    check(/^[A-Za-z0-9_.-]+$/.test(id), argument, `"${id}" is not a valid signing key id (a file name of letters, digits, '_', '.', '-')`);
    return id;
}

function requireLifetime(days: number | undefined, argument: string): void {
    if (days !== undefined) {
        requirePositiveInteger(days, argument);
    }
}

/** Validates the args and decides everything; throws {@link InvalidArgumentError} naming the argument. */
export function planPool(name: string, args: HTCondorPoolArgs): PoolPlan {
    requireDnsLabel(name, "name");
    requireOneOf((args as { mode: string }).mode, POOL_MODES, `${name}.mode`);
    requireDnsLabel(args.facility, `${name}.facility`);
    check(Array.isArray(args.groups) && args.groups.length > 0, `${name}.groups`, "give at least one group");
    requireUnique(args.groups.map((g) => g.name), `${name}.groups`, "group name");

    let collector: string;
    let scheddName: string;
    let trustDomain: string;
    let uidDomain: string;
    let tokens: PoolTokenPlan;
    let inCluster: InClusterPlan | undefined;
    if (args.mode === "external") {
        requireHostPort(args.collector, `${name}.collector`);
        check(args.schedd !== undefined, `${name}.schedd`, "give the access point: { host, name? }");
        requireDnsName_(args.schedd.host, `${name}.schedd.host`);
        scheddName = args.schedd.name ?? args.schedd.host;
        check(/^[A-Za-z0-9_.@-]+$/.test(scheddName), `${name}.schedd.name`, `"${scheddName}" is not a valid schedd name`);
        requireTrustDomain(args.trustDomain, `${name}.trustDomain`);
        trustDomain = args.trustDomain;
        uidDomain = args.uidDomain ?? trustDomain;
        requireTrustDomain(uidDomain, `${name}.uidDomain`);
        collector = args.collector;
        check(args.tokens !== undefined, `${name}.tokens`, `say how group tokens are obtained: { source: ${TOKEN_SOURCES.map((s) => `"${s}"`).join(" | ")} }`);
        requireOneOf(args.tokens.source, TOKEN_SOURCES, `${name}.tokens.source`);
        if (args.tokens.source === "mint") {
            const t: MintedTokens = args.tokens;
            check(t.signingKey !== undefined && t.signingKey !== null && t.signingKey !== "", `${name}.tokens.signingKey`,
                "minting tokens needs the pool's signing key (base64 of the key file, as a Pulumi secret)");
            requireLifetime(t.lifetimeDays, `${name}.tokens.lifetimeDays`);
            if (t.issuedAt !== undefined) {
                requirePositiveInteger(t.issuedAt, `${name}.tokens.issuedAt`);
            }
            tokens = { source: "mint", signingKey: t.signingKey, keyId: resolveKeyId(t.keyId, `${name}.tokens.keyId`), lifetimeDays: t.lifetimeDays, issuedAt: t.issuedAt };
        } else if (args.tokens.source === "remote") {
            check(args.tokens.connection !== undefined, `${name}.tokens.connection`, "creating tokens on the central manager needs an SSH connection");
            requireLifetime(args.tokens.lifetimeDays, `${name}.tokens.lifetimeDays`);
            tokens = { source: "remote", connection: args.tokens.connection, keyId: resolveKeyId(args.tokens.keyId, `${name}.tokens.keyId`), lifetimeDays: args.tokens.lifetimeDays };
        } else if (args.tokens.source === "site") {
            tokens = { source: "site" };
        } else {
            tokens = { source: "provided" };
            args.groups.forEach((g, i) =>
                check(g.token !== undefined, `${name}.groups[${i}].token`, `tokens are "provided": give group "${g.name}"'s IDTOKEN as a Pulumi secret`),
            );
        }
    } else {
        requireDnsLabel(args.namespace, `${name}.namespace`);
        const cmService = `${name}-cm`;
        const submitService = `${name}-submit`;
        trustDomain = args.trustDomain ?? `${cmService}.${args.namespace}.svc.cluster.local`;
        requireTrustDomain(trustDomain, `${name}.trustDomain`);
        uidDomain = trustDomain;
        collector = `${cmService}.${args.namespace}.svc.cluster.local:${HTCONDOR_PORT}`;
        scheddName = `ap@${name}`;
        requireLifetime(args.tokenLifetimeDays, `${name}.tokenLifetimeDays`);
        if (args.issuedAt !== undefined) {
            requirePositiveInteger(args.issuedAt, `${name}.issuedAt`);
        }
        tokens = { source: "mint", keyId: POOL_KEY_ID, lifetimeDays: args.tokenLifetimeDays, issuedAt: args.issuedAt };
        const tag = args.imageTag ?? HTCONDOR_IMAGE_TAG;
        check(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag), `${name}.imageTag`, `"${tag}" is not a valid image tag`);
        for (const role of ["cm", "submit", "execute"] as const) {
            if (args.images?.[role] !== undefined) requireImageReference(args.images[role], `${name}.images.${role}`);
        }
        const execute = args.execute ?? {};
        const replicas = execute.replicas ?? 1;
        const maxReplicas = execute.maxReplicas ?? 16;
        requirePositiveInteger(maxReplicas, `${name}.execute.maxReplicas`);
        check(Number.isInteger(replicas) && replicas >= 0 && replicas <= maxReplicas, `${name}.execute.replicas`,
            `${replicas} is out of bounds: use an integer from 0 to maxReplicas (${maxReplicas})`);
        const cpus = execute.cpus ?? 1;
        const memoryMiB = execute.memoryMiB ?? 4096;
        requirePositiveInteger(cpus, `${name}.execute.cpus`);
        requirePositiveInteger(memoryMiB, `${name}.execute.memoryMiB`);
        inCluster = {
            namespace: args.namespace,
            cmService,
            submitService,
            images: {
                cm: args.images?.cm ?? htcondorImage("cm", tag),
                submit: args.images?.submit ?? htcondorImage("submit", tag),
                execute: args.images?.execute ?? htcondorImage("execute", tag),
            },
            execute: { replicas, maxReplicas, cpus, memoryMiB },
            secretsMadeBy: args.secretsMadeBy ?? "program",
        };
        requireOneOf(inCluster.secretsMadeBy, SECRETS_MADE_BY, `${name}.secretsMadeBy`);
        check(!(inCluster.secretsMadeBy === "cluster" && args.issuedAt !== undefined), `${name}.issuedAt`, 'cannot be set with secretsMadeBy "cluster": the keeper writes the time it mints the tokens');
    }

    if (args.tokenInitImage !== undefined) requireImageReference(args.tokenInitImage, `${name}.tokenInitImage`);
    const tokenInitImage = args.tokenInitImage ?? TOKEN_INIT_IMAGE;
    if (args.workerImage !== undefined) requireImageReference(args.workerImage, `${name}.workerImage`);
    const workerImage = args.workerImage ?? DEFAULT_WORKER_IMAGE;
    const groups = args.groups.map((g, i): PoolGroupPlan => {
        const arg = `${name}.groups[${i}]`;
        requireDnsLabel(g.name, `${arg}.name`);
        const namespace = groupNamespace(args.facility, g.name);
        check(!(args.requireAccountingGroup ?? false) || (g.accountingGroup !== undefined && g.accountingGroup !== ""), `${arg}.accountingGroup`,
            `pool "${name}" requires an accounting group (requireAccountingGroup); give group "${g.name}" one, e.g. "group_${g.name}"`);
        if (g.accountingGroup !== undefined) {
            check(ACCOUNTING_GROUP.test(g.accountingGroup), `${arg}.accountingGroup`, `"${g.accountingGroup}" is not a valid accounting group (letters, digits, '_', '.', '-')`);
        }
        const identity = g.identity ?? `${g.name}@${trustDomain}`;
        check(IDENTITY.test(identity), `${arg}.identity`, `"${identity}" is not a valid token identity (user@trust.domain)`);
        const jobqueue = jobqueueSettings(g.worker ?? {}, { scheddName, accountingGroup: g.accountingGroup, workerImage }, `${arg}.worker`);
        const condorConfig = renderCondorConfig(clientKnobs({ collector, scheddName, trustDomain, uidDomain }), `${name}.clientConfig`, [
            `HTCondor submit client of pool "${name}" for group "${g.name}" (generated by hepaf; do not edit)`,
        ]);
        return {
            name: g.name,
            namespace,
            identity,
            accountingGroup: g.accountingGroup,
            jobqueue,
            configMapName: `htcondor-${name}-client`,
            tokenSecretName: `htcondor-${name}-token`,
            condorConfig,
            token: g.token,
            tokenInitImage,
        };
    });
    return { mode: args.mode, collector, scheddName, trustDomain, uidDomain, tokens, groups, inCluster };
}

function requireDnsName_(value: string, argument: string): void {
    check(typeof value === "string" && isDnsName(value), argument, `"${value}" is not a valid DNS host name`);
}
