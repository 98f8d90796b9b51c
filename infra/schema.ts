/**
 * The JSON schema of the stack config (`hepaf:<key>`), validated with ajv so that every error
 * names the stack config key, e.g. `hepaf:groups[1].gateway.maxWorkers must be >= 1`.
 * Component args are checked again by the components themselves; this layer catches the
 * shape and types of what an admin writes in Pulumi.<stack>.yaml.
 */
import Ajv, { ErrorObject } from "ajv";

const dnsLabel = { type: "string", pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$" } as const;
const dnsName = { type: "string", pattern: "^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$" } as const;
const port = { type: "integer", minimum: 1, maximum: 65535 } as const;
const stringList = { type: "array", items: { type: "string", minLength: 1 } } as const;
const stringMap = { type: "object", additionalProperties: { type: "string" } } as const;

const subject = {
    type: "object",
    additionalProperties: false,
    properties: {
        commonName: { type: "string" },
        organization: { type: "string" },
        organizationalUnit: { type: "string" },
        country: { type: "string", pattern: "^[A-Z]{2}$" },
        locality: { type: "string" },
        province: { type: "string" },
    },
} as const;

const profile = {
    type: "object",
    additionalProperties: false,
    required: ["name", "image"],
    properties: {
        name: { type: "string", minLength: 1 },
        displayName: { type: "string" },
        description: { type: "string" },
        image: { type: "string", minLength: 1 },
        default: { type: "boolean" },
        cpu: { type: "number", exclusiveMinimum: 0 },
        cpuLimit: { type: "number", exclusiveMinimum: 0 },
        memoryGiB: { type: "number", exclusiveMinimum: 0 },
        memoryLimitGiB: { type: "number", exclusiveMinimum: 0 },
        gpus: { type: "integer", minimum: 0 },
        nodeSelector: stringMap,
    },
} as const;

const group = {
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
        name: dnsLabel,
        members: {
            type: "object",
            additionalProperties: false,
            properties: { claimValues: stringList, users: stringList },
        },
        profiles: { type: "array", items: profile },
        gateway: {
            type: "object",
            additionalProperties: false,
            properties: {
                image: { type: "string" },
                maxWorkers: { type: "integer", minimum: 1 },
                maxCores: { type: "number", exclusiveMinimum: 0 },
                maxMemoryGiB: { type: "number", exclusiveMinimum: 0 },
                idleTimeoutMinutes: { type: "number", minimum: 0 },
                workerCores: { type: "number", exclusiveMinimum: 0 },
                workerMemoryGiB: { type: "number", exclusiveMinimum: 0 },
                workerCoresMax: { type: "number", exclusiveMinimum: 0 },
                workerMemoryGiBMax: { type: "number", exclusiveMinimum: 0 },
                images: stringList,
            },
        },
        quota: {
            type: "object",
            additionalProperties: false,
            properties: { cpu: { type: "number", exclusiveMinimum: 0 }, memoryGiB: { type: "number", exclusiveMinimum: 0 }, pods: { type: "integer", minimum: 1 } },
        },
        storage: {
            type: "object",
            additionalProperties: false,
            properties: { storageClass: { type: "string" }, sizeGiB: { type: "number", exclusiveMinimum: 0 } },
        },
        htcondor: {
            type: "object",
            additionalProperties: false,
            required: ["pool"],
            properties: { pool: dnsLabel, accountingGroup: { type: "string", minLength: 1 } },
        },
    },
} as const;

const pool = {
    type: "object",
    required: ["mode"],
    properties: {
        mode: { enum: ["external", "in-cluster"] },
        collector: dnsName,
        schedd: { type: "string", minLength: 1 },
        scheddHost: dnsName,
        trustDomain: dnsName,
        uidDomain: dnsName,
        requireAccountingGroup: { type: "boolean" },
        tokens: { enum: ["provided", "mint"] },
        execute: {
            type: "object",
            additionalProperties: false,
            properties: {
                replicas: { type: "integer", minimum: 0 },
                maxReplicas: { type: "integer", minimum: 0 },
                cpus: { type: "integer", minimum: 1 },
                memoryMiB: { type: "integer", minimum: 128 },
            },
        },
    },
} as const;

/** The whole stack config as one object (keys without the `hepaf:` prefix). */
export const stackConfigSchema = {
    type: "object",
    additionalProperties: false,
    required: ["domain", "hub", "groups"],
    properties: {
        name: dnsLabel,
        domain: dnsName,
        renderDir: { type: "string", minLength: 1 },
        ca: {
            type: "object",
            additionalProperties: false,
            properties: {
                subject,
                validityDays: { type: "number", exclusiveMinimum: 0 },
                renewBeforeDays: { type: "number", exclusiveMinimum: 0 },
                import: { type: "boolean" },
            },
        },
        traefik: {
            type: "object",
            additionalProperties: false,
            properties: {
                mode: { enum: ["install", "existing"] },
                replicas: { type: "integer", minimum: 1 },
                daskPort: port,
                webPort: port,
                websecurePort: port,
                crds: { enum: ["url", "none"] },
                service: {
                    type: "object",
                    additionalProperties: false,
                    properties: {
                        type: { enum: ["LoadBalancer", "NodePort", "ClusterIP"] },
                        loadBalancerIP: { type: "string" },
                        annotations: stringMap,
                    },
                },
                existing: {
                    type: "object",
                    additionalProperties: false,
                    properties: {
                        entrypointNames: { type: "object", additionalProperties: false, properties: { web: dnsLabel, websecure: dnsLabel, dask: dnsLabel } },
                        routeLabels: stringMap,
                        daskPort: port,
                    },
                },
            },
        },
        hub: {
            type: "object",
            additionalProperties: false,
            required: ["login"],
            properties: {
                login: {
                    type: "object",
                    required: ["type"],
                    properties: {
                        type: { enum: ["generic-oauth", "github", "dummy"] },
                        issuer: { type: "string" },
                        authorizeUrl: { type: "string" },
                        tokenUrl: { type: "string" },
                        userdataUrl: { type: "string" },
                        clientId: { type: "string" },
                        scopes: stringList,
                        usernameClaim: { type: "string" },
                        groupsClaim: { type: "string" },
                        allowedOrganizations: stringList,
                    },
                },
                allowDummy: { type: "boolean" },
                admins: stringList,
                allowedUsers: stringList,
                image: { type: "string" },
                culler: {
                    type: "object",
                    additionalProperties: false,
                    properties: {
                        timeoutSeconds: { type: "integer", minimum: 60 },
                        everySeconds: { type: "integer", minimum: 10 },
                        maxAgeSeconds: { type: "integer", minimum: 0 },
                    },
                },
            },
        },
        htcondor: {
            type: "object",
            additionalProperties: false,
            properties: { pools: { type: "object", propertyNames: dnsLabel, additionalProperties: pool } },
        },
        groups: { type: "array", minItems: 1, items: group },
        // Secret settings (set with `pulumi config set --secret`).
        caCertPem: { type: "string", minLength: 1 },
        caKeyPem: { type: "string", minLength: 1 },
        hubClientSecret: { type: "string", minLength: 1 },
        poolSigningKeys: { type: "object", additionalProperties: { type: "string", minLength: 1 } },
        poolTokens: { type: "object", additionalProperties: { type: "object", additionalProperties: { type: "string", minLength: 1 } } },
    },
} as const;

/** Keys whose values are secrets: never echoed, always wrapped as Pulumi secrets. */
export const SECRET_KEYS = ["caKeyPem", "hubClientSecret", "poolSigningKeys", "poolTokens"] as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(stackConfigSchema);

/** `/groups/1/gateway/maxWorkers` → `groups[1].gateway.maxWorkers`. */
export function configKeyPath(instancePath: string): string {
    return instancePath
        .split("/")
        .filter(Boolean)
        .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, "/").replace(/~0/g, "~")}`))
        .join("")
        .replace(/^\./, "");
}

/** One readable line per schema error, each naming the stack config key. */
export function describeError(e: ErrorObject): string {
    const at = configKeyPath(e.instancePath);
    const key = (suffix?: string) => `hepaf:${[at, suffix].filter(Boolean).join(at && suffix ? "." : "")}`;
    switch (e.keyword) {
        case "required":
            return `${key((e.params as any).missingProperty)} is required`;
        case "additionalProperties":
            return `${key((e.params as any).additionalProperty)} is not a known setting`;
        case "enum":
            return `${key()} must be one of ${(e.params as any).allowedValues.map((v: unknown) => JSON.stringify(v)).join(", ")}`;
        case "pattern":
            return `${key()} must be a DNS name or label (lower-case letters, digits, '-' and '.')`;
        default:
            return `${key()} ${e.message}`;
    }
}

/** Validates the raw stack config; throws one error listing every problem by key. */
export function validateStackConfig(raw: unknown): void {
    if (!validate(raw)) {
        const lines = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== "if").map(describeError))];
        throw new Error(`invalid stack config:\n  ${lines.join("\n  ")}`);
    }
}
