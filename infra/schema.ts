/**
 * The JSON schema of the stack config (`hepaf:<key>`), checked with ajv. Every object refuses
 * keys it does not know; every value carries its rule in `description`, which is what an error
 * says (`hepaf:traefik.daskPort must be a port: an integer from 1 to 65535, got "87x6"`).
 * Messages are made in ./schema-errors.ts; checks across keys in ./cross-checks.ts. Component
 * args are checked again by the components themselves.
 */

const DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
const DNS_NAME = "^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";

const dnsLabel = {
    type: "string",
    pattern: DNS_LABEL,
    description: "a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters, no '.'",
} as const;
const dnsName = {
    type: "string",
    pattern: DNS_NAME,
    description: "a DNS name: dot-separated labels of lower-case letters, digits and '-', at most 253 characters",
} as const;
const port = { type: "integer", minimum: 1, maximum: 65535, description: "a port: an integer from 1 to 65535" } as const;
const int = (minimum: number) => ({ type: "integer", minimum, description: `an integer >= ${minimum}` }) as const;
const positive = { type: "number", exclusiveMinimum: 0, description: "a number > 0" } as const;
const nonNegative = { type: "number", minimum: 0, description: "a number >= 0" } as const;
const text = { type: "string", minLength: 1, description: "a non-empty string" } as const;
const anyText = { type: "string", description: "a string" } as const;
const bool = { type: "boolean", description: "true or false" } as const;
const httpsUrl = { type: "string", pattern: "^https://[^\\s/]+[^\\s]*$", description: "an https:// URL" } as const;
const email = { type: "string", pattern: "^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$", description: "an e-mail address such as \"admin@example.edu\"" } as const;
const url = { type: "string", pattern: "^https?://[^\\s]+$", description: "an http(s) URL" } as const;
const quantity = { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$", description: "a Kubernetes quantity such as \"10Gi\"" } as const;
const duration = { type: "string", pattern: "^([0-9]+(ms|s|m|h|d|w|y))+$", description: "a Prometheus duration such as \"30s\", \"5m\" or \"2d\"" } as const;
const stringList = { type: "array", items: text, uniqueItems: true, description: "a list of non-empty strings" } as const;
const stringMap = { type: "object", additionalProperties: anyText, description: "a mapping of names to strings" } as const;
/** An object that refuses unknown keys. */
const strict = <P extends Record<string, unknown>>(properties: P, required: string[] = []) =>
    ({ type: "object", additionalProperties: false, required, properties, description: "a mapping" }) as const;
/** Objects of several kinds told apart by `tag` (ajv's discriminator): each kind refuses the others' keys. */
const kinds = (tag: string, branches: Record<string, { properties: Record<string, unknown>; required?: string[] }>) =>
    ({
        type: "object",
        description: "a mapping",
        discriminator: { propertyName: tag },
        required: [tag],
        oneOf: Object.entries(branches).map(([value, b]) => ({
            type: "object",
            additionalProperties: false,
            required: b.required ?? [],
            properties: { [tag]: { const: value }, ...b.properties },
        })),
    }) as const;

const subject = strict({
    commonName: text,
    organization: text,
    organizationalUnit: text,
    country: { type: "string", pattern: "^[A-Z]{2}$", description: "a two-letter country code in capitals (ISO 3166-1, e.g. \"US\")" },
    locality: text,
    province: text,
});

const profile = strict(
    {
        name: dnsLabel,
        displayName: text,
        description: anyText,
        image: text,
        default: bool,
        cpu: positive,
        cpuLimit: positive,
        memoryGiB: positive,
        memoryLimitGiB: positive,
        gpus: int(0),
        nodeSelector: stringMap,
    },
    ["name"],
);

/** An image reference; the grammar is checked by the components (`components/images`), which name the key. */
const image = { type: "string", minLength: 1, description: "an image reference such as \"registry.example.edu/hepaf/notebook:0.1.0\"" } as const;

/** `hepaf:images`: the built images' registry, and one full reference per role. */
const images = strict({
    registry: { type: "string", minLength: 1, description: "a registry and path prefix such as \"registry.example.edu/hepaf\"" },
    hub: image,
    notebook: image,
    worker: image,
    proxy: image,
    traefik: image,
    gatewayServer: image,
    htcondorCm: image,
    htcondorSubmit: image,
    htcondorExecute: image,
    busybox: image,
    prometheus: image,
});

const group = strict(
    {
        name: dnsLabel,
        members: strict({ claimValues: stringList, users: stringList }),
        profiles: { type: "array", items: profile, description: "a list of profiles" },
        gateway: strict({
            image: text,
            maxWorkers: int(1),
            maxCores: positive,
            maxMemoryGiB: positive,
            idleTimeoutMinutes: nonNegative,
            workerCores: positive,
            workerMemoryGiB: positive,
            workerCoresMax: positive,
            workerMemoryGiBMax: positive,
            images: stringList,
        }),
        quota: strict({ cpu: positive, memoryGiB: positive, pods: int(1) }),
        htcondor: strict(
            {
                pool: dnsLabel,
                accountingGroup: text,
                worker: strict({
                    cores: int(1),
                    memoryGiB: positive,
                    diskGiB: positive,
                    universe: { enum: ["vanilla", "container"] },
                    image: text,
                    network: { enum: ["bridge", "host"] },
                    deathTimeoutSeconds: int(1),
                }),
            },
            ["pool"],
        ),
        dask: strict({
            cluster: { enum: ["htcondor", "gateway"] },
            adaptive: strict({ minimum: int(0), maximum: int(1), maxCores: positive, idleSeconds: positive, intervalSeconds: positive }),
            dedicatedWorker: strict({ cores: int(0), memoryGiB: positive }),
        }),
    },
    ["name"],
);

const pool = kinds("mode", {
    external: {
        required: ["collector", "schedd", "trustDomain"],
        properties: {
            collector: dnsName,
            schedd: text,
            scheddHost: dnsName,
            trustDomain: dnsName,
            uidDomain: dnsName,
            requireAccountingGroup: bool,
            tokens: { enum: ["provided", "mint", "site"] },
        },
    },
    "in-cluster": {
        properties: {
            requireAccountingGroup: bool,
            execute: strict({ replicas: int(0), maxReplicas: int(0), cpus: int(1), memoryMiB: int(128) }),
        },
    },
});

const login = kinds("type", {
    "generic-oauth": {
        required: ["clientId"],
        properties: {
            issuer: url,
            authorizeUrl: url,
            tokenUrl: url,
            userdataUrl: url,
            clientId: text,
            scopes: stringList,
            usernameClaim: text,
            groupsClaim: text,
            loginService: text,
        },
    },
    github: { required: ["clientId"], properties: { clientId: text, allowedOrganizations: stringList } },
    dummy: { properties: {} },
});

/** `"url"`, `"none"`, or one of the component's CRD sources written out. */
const CRDS_RULE = '"url", "none", or {source: "file", path: <file>} (also {source: "url", url: <url>}, {source: "none"})';
const crds = {
    if: { type: "string" },
    then: { enum: ["url", "none"], description: CRDS_RULE },
    else: {
        ...kinds("source", { url: { properties: { url } }, file: { required: ["path"], properties: { path: text } }, none: { properties: {} } }),
        description: CRDS_RULE,
    },
} as const;

/** The whole stack config as one object (keys without the `hepaf:` prefix). */
export const stackConfigSchema = strict(
    {
        name: dnsLabel,
        domain: dnsName,
        renderDir: text,
        ca: strict({ subject, validityDays: positive, renewBeforeDays: positive, import: bool }),
        pki: strict({
            mode: { enum: ["generated", "cert-manager"], description: 'one of "generated", "cert-manager"' },
        }),
        https: strict({
            mode: { enum: ["generated", "secret", "acme"], description: 'one of "generated", "secret", "acme"' },
            secretName: dnsName,
            acme: strict({ server: httpsUrl, email, caBundleFile: text, ingressClass: dnsLabel }, ["server", "email"]),
        }),
        traefik: strict({
            mode: { enum: ["install", "existing"] },
            replicas: int(1),
            providersThrottleMs: { type: "integer", minimum: 0, maximum: 60000, description: "a whole number of milliseconds from 0 to 60000" },
            acceptGraceSeconds: { type: "integer", minimum: 0, maximum: 600, description: "a whole number of seconds from 0 to 600" },
            drainSeconds: { type: "integer", minimum: 0, maximum: 600, description: "a whole number of seconds from 0 to 600" },
            daskPort: port,
            webPort: port,
            websecurePort: port,
            crds,
            service: strict({ type: { enum: ["LoadBalancer", "NodePort", "ClusterIP"] }, loadBalancerIP: text, annotations: stringMap }),
            existing: strict({
                entrypointNames: strict({ web: dnsLabel, websecure: dnsLabel, dask: dnsLabel }),
                routeLabels: stringMap,
                daskPort: port,
            }),
        }),
        hub: strict(
            {
                login,
                allowDummy: bool,
                admins: stringList,
                allowedUsers: stringList,
                image: text,
                storage: strict({ type: { enum: ["dynamic", "none"] }, storageClass: dnsName, capacity: quantity, mountPath: text }),
                culler: strict({ timeoutSeconds: int(60), everySeconds: int(10), maxAgeSeconds: int(0) }),
                concurrentSpawnLimit: int(0),
                startTimeoutSeconds: int(1),
                httpTimeoutSeconds: int(1),
                secrets: strict({ madeBy: { enum: ["program", "cluster"] }, siteSecret: dnsName }),
            },
            ["login"],
        ),
        htcondor: strict({ pools: { type: "object", propertyNames: dnsLabel, additionalProperties: pool, description: "a mapping of pool names to pools" } }),
        groups: { type: "array", minItems: 1, items: group, description: "a list of groups" },
        daskAccess: strict({
            enabled: bool,
            certificateValidityDays: { type: "integer", minimum: 1, maximum: 397, description: "a number of days: an integer from 1 to 397" },
        }),
        images,
        groupStacks: bool,
        monitoring: strict({
            mode: { enum: ["none", "operator", "prometheus"], description: "one of \"none\", \"operator\", \"prometheus\"" },
            namespace: dnsLabel,
            podLabels: stringMap,
            scrapeInterval: duration,
            prometheus: strict({ image: text, retention: duration }),
            operator: strict({ labels: stringMap }),
            alerts: { type: "object", additionalProperties: { anyOf: [positive, duration], description: "a number > 0 or a Prometheus duration such as \"5m\"" }, description: "a mapping of alert parameters to values" },
            exporterImage: text,
        }),
        // Secret settings (set with `pulumi config set --secret`).
        caCertPem: text,
        caKeyPem: text,
        hubClientSecret: text,
        poolSigningKeys: { type: "object", propertyNames: dnsLabel, additionalProperties: text, description: "a mapping of pool names to keys" },
        poolTokens: {
            type: "object",
            propertyNames: dnsLabel,
            additionalProperties: { type: "object", propertyNames: dnsLabel, additionalProperties: text, description: "a mapping of group names to tokens" },
            description: "a mapping of pool names to their groups' tokens",
        },
    },
    ["domain", "hub", "groups"],
);

/**
 * A group's own stack (a large site's micro-stacks): the facility's stack it reads by stack
 * reference (`<organization>/<project>/<stack>`, or the stack's name on a self-managed backend)
 * and the group whose own parts it declares; the facility's description stays in the
 * facility's stack.
 */
export const groupStackConfigSchema = strict(
    {
        facilityStack: { type: "string", pattern: "^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$", description: "a stack name: <stack>, <project>/<stack> or <organization>/<project>/<stack>" },
        group: dnsLabel,
        renderDir: text,
    },
    ["facilityStack", "group"],
);

/** Keys whose values are secrets: never echoed, always wrapped as Pulumi secrets. */
export const SECRET_KEYS = ["caKeyPem", "hubClientSecret", "poolSigningKeys", "poolTokens"] as const;
