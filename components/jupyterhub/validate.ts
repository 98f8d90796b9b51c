import { checkScraper } from "../common/metrics";
import { check, groupNamespace, InvalidArgumentError, isDnsName, requireDnsLabel, requireDnsName, requireOneOf, requireUnique } from "../common";
import { requireImageReference } from "../images";
import { CullerArgs, GroupPodArgs, HUB_IMAGE, HubServiceArgs, JupyterHubArgs, LoginArgs, NOTEBOOK_CMD, NOTEBOOK_IMAGE, ProfileArgs, PROXY_IMAGE } from "./args";
import { isQuantity, quantityBytes, quantityValue } from "./quantity";
import { KeptSecrets, SECRETS_MADE_BY } from "../kept-secrets";

/** Who makes the hub's secrets: the program, or the hub's keeper in the cluster. */
export type HubSecretsPlan = { madeBy: "program" } | { madeBy: "cluster"; siteSecret?: string; siteDatabase: boolean; alsoKeep: KeptSecrets[] };

/** Login types the component knows. */
export const LOGIN_TYPES = ["generic-oauth", "github", "dummy"] as const;

/** A profile with every default applied and quantities converted. */
export interface ProfilePlan {
    slug: string;
    displayName: string;
    description?: string;
    image: string;
    /** The profile's own command; none: the hub's `notebookCmd`. */
    cmd?: string[];
    cpuGuarantee?: number;
    cpuLimit?: number;
    memoryGuarantee?: number;
    memoryLimit?: number;
    gpus: number;
    nodeSelector: Record<string, string>;
    default: boolean;
}

/** A group with its namespace and plans. */
export interface GroupPlan {
    name: string;
    namespace: string;
    claimValues: string[];
    users: string[];
    profiles: ProfilePlan[];
    envKeys: string[];
    pod: Required<GroupPodArgs>;
}

/** Deterministic object names (other software and components find them by these). */
export interface HubNames {
    hub: string;
    hubService: string;
    config: string;
    secret: string;
    database: string;
    proxy: string;
    proxyPublic: string;
    proxyApi: string;
    spawnerRole: string;
}

/** A hub service with defaults applied. */
export type ServicePlan = HubServiceArgs & { display: boolean; scopes: string[]; accessGroups: string[]; skipConfirm: boolean };

/** Everything decided from the args, validated, before any resource exists. */
export interface HubPlan {
    name: string;
    facility: string;
    namespace: string;
    domain: string;
    login: LoginArgs;
    groups: GroupPlan[];
    services: ServicePlan[];
    culler: Required<CullerArgs>;
    storage: { type: "dynamic" | "none"; storageClass?: string; capacity: string; mountPath: string };
    concurrentSpawnLimit: number;
    namedServerLimit: number;
    startTimeoutSeconds: number;
    httpTimeoutSeconds: number;
    defaultUrl: string;
    admins: string[];
    allowedUsers: string[];
    names: HubNames;
    /** Who makes the hub's secrets. */
    secrets: HubSecretsPlan;
    /** Images of the hub, the proxy and of user servers whose profile names none. */
    images: { hub: string; proxy: string; notebook: string };
    /** Command of user servers (KubeSpawner's `cmd`) whose profile names none. */
    notebookCmd: string[];
    hubPort: number;
    proxyPort: number;
    proxyApiPort: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function requireQuantity(value: string | undefined, argument: string): void {
    check(
        value === undefined || isQuantity(value),
        argument,
        `${JSON.stringify(value)} is not a Kubernetes quantity (a number with an optional suffix: m, k, M, G, T, Ki, Mi, Gi, Ti, e.g. "500m", "2", "8Gi")`,
    );
}

function requireNonNegativeInteger(value: number, argument: string): void {
    check(Number.isInteger(value) && value >= 0, argument, `${value} must be an integer >= 0`);
}

/** Asserts `cmd` is a command: a non-empty list of non-empty strings. */
function requireCommand(cmd: unknown, argument: string): asserts cmd is string[] {
    check(
        Array.isArray(cmd) && cmd.length > 0 && cmd.every((c) => typeof c === "string" && c.length > 0),
        argument,
        `${JSON.stringify(cmd)} is not a command: give a non-empty list of non-empty strings, e.g. ["jupyterhub-singleuser"]`,
    );
}

function planProfile(group: string, profile: ProfileArgs, argument: string, notebookImage: string): ProfilePlan {
    requireDnsLabel(profile.name, `${argument}.name`);
    if (profile.image !== undefined) requireImageReference(profile.image, `${argument}.image`);
    if (profile.cmd !== undefined) requireCommand(profile.cmd, `${argument}.cmd`);
    requireQuantity(profile.cpuGuarantee, `${argument}.cpuGuarantee`);
    requireQuantity(profile.cpuLimit, `${argument}.cpuLimit`);
    requireQuantity(profile.memoryGuarantee, `${argument}.memoryGuarantee`);
    requireQuantity(profile.memoryLimit, `${argument}.memoryLimit`);
    const cpu = (q?: string) => (q === undefined ? undefined : quantityValue(q));
    const mem = (q?: string) => (q === undefined ? undefined : quantityBytes(q));
    const plan: ProfilePlan = {
        slug: `${group}-${profile.name}`,
        displayName: profile.displayName ?? `${group}: ${profile.name}`,
        description: profile.description,
        image: profile.image ?? notebookImage,
        ...(profile.cmd !== undefined ? { cmd: [...profile.cmd] } : {}),
        cpuGuarantee: cpu(profile.cpuGuarantee),
        cpuLimit: cpu(profile.cpuLimit),
        memoryGuarantee: mem(profile.memoryGuarantee),
        memoryLimit: mem(profile.memoryLimit),
        gpus: profile.gpus ?? 0,
        nodeSelector: { ...profile.nodeSelector },
        default: profile.default ?? false,
    };
    requireNonNegativeInteger(plan.gpus, `${argument}.gpus`);
    check(
        plan.cpuGuarantee === undefined || plan.cpuLimit === undefined || plan.cpuGuarantee <= plan.cpuLimit,
        `${argument}.cpuGuarantee`,
        `"${profile.cpuGuarantee}" is more than cpuLimit "${profile.cpuLimit}"`,
    );
    check(
        plan.memoryGuarantee === undefined || plan.memoryLimit === undefined || plan.memoryGuarantee <= plan.memoryLimit,
        `${argument}.memoryGuarantee`,
        `"${profile.memoryGuarantee}" is more than memoryLimit "${profile.memoryLimit}"`,
    );
    return plan;
}

/**
 * With secrets made in the cluster the program may hold no secret value: the site's own values
 * come from its Secret, and whatever the hub writes into its ConfigMap instead must be plain text.
 */
function planSecrets(args: JupyterHubArgs, arg: string): HubSecretsPlan {
    const madeBy = args.secrets?.madeBy ?? "program";
    requireOneOf(madeBy, SECRETS_MADE_BY, `${arg}.secrets.madeBy`);
    if (madeBy === "program") {
        check(args.secrets?.siteSecret === undefined, `${arg}.secrets.siteSecret`, 'is read only with secrets.madeBy "cluster"; the program\'s hub Secret holds the site\'s values');
        check(!(args.secrets?.alsoKeep ?? []).length, `${arg}.secrets.alsoKeep`, 'needs secrets.madeBy "cluster" (the keeper runs only then)');
        check(args.secrets?.siteDatabase === undefined, `${arg}.secrets.siteDatabase`, 'is read only with secrets.madeBy "cluster"; give databaseUrl instead');
        return { madeBy };
    }
    const siteSecret = args.secrets?.siteSecret;
    if (siteSecret !== undefined) requireDnsName(siteSecret, `${arg}.secrets.siteSecret`);
    const inSite = (what: string) => `the program holds no secret with secrets.madeBy "cluster"; put it in the site's Secret (secrets.siteSecret, key "${what}")`;
    const login = args.login;
    if (login.type === "dummy") {
        check(login.password === undefined, `${arg}.login.password`, inSite("dummy-password"));
    } else {
        check(login.clientSecret === undefined, `${arg}.login.clientSecret`, inSite("client-secret"));
        check(siteSecret !== undefined, `${arg}.secrets.siteSecret`, `is required with secrets.madeBy "cluster" and login "${login.type}": the Secret holding the OAuth client secret (key "client-secret")`);
        check(typeof login.clientId === "string", `${arg}.login.clientId`, 'must be a plain string with secrets.madeBy "cluster": it is written into the hub\'s ConfigMap');
    }
    check(args.databaseUrl === undefined, `${arg}.databaseUrl`, inSite("database-url") + " and set secrets.siteDatabase: true");
    const siteDatabase = args.secrets?.siteDatabase ?? false;
    check(!siteDatabase || siteSecret !== undefined, `${arg}.secrets.siteDatabase`, "needs secrets.siteSecret: the Secret holding the database URL (key \"database-url\")");
    args.groups.forEach((g, i) =>
        Object.entries(g.env ?? {}).forEach(([k, v]) =>
            check(typeof v === "string", `${arg}.groups[${i}].env.${k}`, 'must be a plain string with secrets.madeBy "cluster": the groups\' environment is written into the hub\'s ConfigMap'),
        ),
    );
    return { madeBy, siteSecret, siteDatabase, alsoKeep: [...(args.secrets?.alsoKeep ?? [])] };
}

function validateLogin(args: JupyterHubArgs, arg: string): void {
    const login = args.login as LoginArgs | undefined;
    check(login !== undefined && login !== null && typeof login === "object", `${arg}.login`, "is required");
    requireOneOf(login.type, LOGIN_TYPES, `${arg}.login.type`);
    if (login.type === "dummy") {
        check(
            args.allowDummy === true,
            `${arg}.login.type`,
            `"dummy" accepts any user name and is for development only; set ${arg}.allowDummy: true to use it`,
        );
        return;
    }
    check(login.clientId !== undefined && login.clientId !== "", `${arg}.login.clientId`, "is required");
    // Made in the cluster, the client secret is the site's Secret's (checked in planSecrets).
    if (args.secrets?.madeBy !== "cluster") check(login.clientSecret !== undefined && login.clientSecret !== "", `${arg}.login.clientSecret`, "is required");
    if (login.type === "generic-oauth") {
        const urls = ["authorizeUrl", "tokenUrl", "userdataUrl"] as const;
        for (const key of ["issuer", ...urls] as const) {
            const value = login[key];
            check(value === undefined || isHttpUrl(value), `${arg}.login.${key}`, `${JSON.stringify(value)} is not an http(s) URL`);
        }
        if (login.issuer === undefined) {
            for (const key of urls) {
                check(login[key] !== undefined, `${arg}.login.${key}`, "is required when login.issuer is not given (or give login.issuer to discover it)");
            }
        }
        for (const key of ["usernameClaim", "groupsClaim"] as const) {
            const value = login[key];
            check(value === undefined || (typeof value === "string" && value.length > 0), `${arg}.login.${key}`, "must be a non-empty claim name");
        }
        (login.scopes ?? []).forEach((s, i) => check(/^\S+$/.test(s), `${arg}.login.scopes[${i}]`, `${JSON.stringify(s)} is not a scope`));
    }
}

function isHttpUrl(value: string): boolean {
    try {
        const u = new URL(value);
        return u.protocol === "https:" || u.protocol === "http:";
    } catch {
        return false;
    }
}

/** Validates the args and decides everything; throws {@link InvalidArgumentError} naming the argument. */
export function planHub(name: string, args: JupyterHubArgs): HubPlan {
    const arg = name;
    requireDnsLabel(args.facility, `${arg}.facility`);
    const namespace = args.namespace ?? args.facility;
    requireDnsLabel(namespace, `${arg}.namespace`);
    requireDnsName(args.domain, `${arg}.domain`);
    check(isDnsName(args.domain), `${arg}.domain`, "is not a DNS name");
    check(args.traefik !== undefined && typeof args.traefik.entrypoints?.websecure === "string", `${arg}.traefik`, "is required (a Traefik instance or { entrypoints, routeLabels, namespace })");
    requireDnsLabel(args.traefik.namespace, `${arg}.traefik.namespace`);
    checkScraper(args.scraper, `${arg}.scraper`);
    validateLogin(args, arg);
    const secrets = planSecrets(args, arg);
    const images = { hub: args.hubImage ?? HUB_IMAGE, proxy: args.proxyImage ?? PROXY_IMAGE, notebook: args.notebookImage ?? NOTEBOOK_IMAGE };
    if (args.hubImage !== undefined) requireImageReference(args.hubImage, `${arg}.hubImage`);
    if (args.proxyImage !== undefined) requireImageReference(args.proxyImage, `${arg}.proxyImage`);
    if (args.notebookImage !== undefined) requireImageReference(args.notebookImage, `${arg}.notebookImage`);
    const notebookCmd = args.notebookCmd ?? [...NOTEBOOK_CMD];
    requireCommand(notebookCmd, `${arg}.notebookCmd`);

    check(Array.isArray(args.groups) && args.groups.length > 0, `${arg}.groups`, "at least one group is required");
    args.groups.forEach((g, i) => requireDnsLabel(g.name, `${arg}.groups[${i}].name`));
    requireUnique(args.groups.map((g) => g.name), `${arg}.groups`, "group name");
    const groupNames = new Set(args.groups.map((g) => g.name));
    const known = () => [...groupNames].map((g) => `"${g}"`).join(", ");
    (args.sharedProfiles ?? []).forEach((p, j) => {
        check(Array.isArray(p.groups) && p.groups.length > 0, `${arg}.sharedProfiles[${j}].groups`, "name at least one group");
        p.groups.forEach((g, k) =>
            check(groupNames.has(g), `${arg}.sharedProfiles[${j}].groups[${k}]`, `"${g}" is not a group; use one of ${known()}`),
        );
    });
    const groups: GroupPlan[] = args.groups.map((g, i) => {
        const ga = `${arg}.groups[${i}]`;
        let ns: string;
        try {
            ns = groupNamespace(args.facility, g.name);
        } catch (e) {
            throw new InvalidArgumentError(`${ga}.name`, (e as Error).message);
        }
        check(Array.isArray(g.profiles) && (g.profiles.length > 0 || (args.sharedProfiles ?? []).some((p) => p.groups.includes(g.name))), `${ga}.profiles`, `group "${g.name}" needs at least one profile`);
        const shared = (args.sharedProfiles ?? []).flatMap((p, j) => (p.groups.includes(g.name) ? [{ p, a: `${arg}.sharedProfiles[${j}]` }] : []));
        const profiles = [
            ...g.profiles.map((p, j) => planProfile(g.name, p, `${ga}.profiles[${j}]`, images.notebook)),
            ...shared.map(({ p, a }) => planProfile(g.name, p, a, images.notebook)),
        ];
        requireUnique([...g.profiles, ...shared.map((s) => s.p)].map((p) => p.name), `${ga}.profiles`, "profile name");
        check(profiles.filter((p) => p.default).length <= 1, `${ga}.profiles`, "at most one profile may be the default");
        const envKeys = Object.keys(g.env ?? {});
        envKeys.forEach((k) => check(ENV_NAME.test(k), `${ga}.env.${k}`, `"${k}" is not a valid environment variable name`));
        const claimValues = g.members?.claimValues ?? [];
        const users = g.members?.users ?? [];
        claimValues.forEach((v, j) => check(typeof v === "string" && v.length > 0, `${ga}.members.claimValues[${j}]`, "must be a non-empty string"));
        users.forEach((v, j) => check(typeof v === "string" && v.length > 0, `${ga}.members.users[${j}]`, "must be a non-empty user name"));
        const pod = { volumes: g.pod?.volumes ?? [], volumeMounts: g.pod?.volumeMounts ?? [], initContainers: g.pod?.initContainers ?? [], env: g.pod?.env ?? {} };
        Object.keys(pod.env).forEach((k) => check(/^[A-Za-z_][A-Za-z0-9_]*$/.test(k), `${ga}.pod.env.${k}`, "is not a valid environment variable name"));
        return { name: g.name, namespace: ns, claimValues, users, profiles, envKeys, pod };
    });
    // A claim value maps to one group only, so membership is unambiguous.
    const claimOwner = new Map<string, string>();
    groups.forEach((g, i) =>
        g.claimValues.forEach((v, j) => {
            const other = claimOwner.get(v);
            check(other === undefined, `${arg}.groups[${i}].members.claimValues[${j}]`, `"${v}" already maps to group "${other}"`);
            claimOwner.set(v, g.name);
        }),
    );

    const services = (args.services ?? []).map((s, i) => {
        const sa = `${arg}.services[${i}]`;
        requireDnsLabel(s.name, `${sa}.name`);
        check(s.url === undefined || isHttpUrl(s.url), `${sa}.url`, `${JSON.stringify(s.url)} is not an http(s) URL`);
        check(
            s.group === undefined || groupNames.has(s.group),
            `${sa}.group`,
            `"${s.group}" is not a group; use one of ${known()}`,
        );
        (s.groups ?? []).forEach((g, j) => check(groupNames.has(g), `${sa}.groups[${j}]`, `"${g}" is not a group; use one of ${known()}`));
        check(s.name !== "idle-culler", `${sa}.name`, `"idle-culler" is reserved for the hub's culler`);
        const accessGroups = [...new Set([...(s.group === undefined ? [] : [s.group]), ...(s.groups ?? [])])];
        return { ...s, display: s.display ?? s.url !== undefined, scopes: [...(s.scopes ?? [])], accessGroups, skipConfirm: s.skipConfirm ?? false };
    });
    requireUnique(services.map((s) => s.name), `${arg}.services`, "service name");

    const c = args.culler ?? {};
    const culler = {
        enabled: c.enabled ?? true,
        timeoutSeconds: c.timeoutSeconds ?? 3600,
        everySeconds: c.everySeconds ?? 600,
        maxAgeSeconds: c.maxAgeSeconds ?? 0,
    };
    requireNonNegativeInteger(culler.timeoutSeconds, `${arg}.culler.timeoutSeconds`);
    check(culler.timeoutSeconds > 0, `${arg}.culler.timeoutSeconds`, "must be > 0");
    requireNonNegativeInteger(culler.everySeconds, `${arg}.culler.everySeconds`);
    check(culler.everySeconds > 0, `${arg}.culler.everySeconds`, "must be > 0");
    requireNonNegativeInteger(culler.maxAgeSeconds, `${arg}.culler.maxAgeSeconds`);

    const st = args.storage ?? {};
    const storageType = st.type ?? "dynamic";
    requireOneOf(storageType, ["dynamic", "none"], `${arg}.storage.type`);
    requireQuantity(st.capacity, `${arg}.storage.capacity`);
    if (st.storageClass !== undefined) {
        requireDnsName(st.storageClass, `${arg}.storage.storageClass`);
    }
    const mountPath = st.mountPath ?? "/home/jovyan";
    check(mountPath.startsWith("/"), `${arg}.storage.mountPath`, `"${mountPath}" must be an absolute path`);
    requireQuantity(args.databaseCapacity, `${arg}.databaseCapacity`);
    if (args.databaseStorageClass !== undefined) {
        requireDnsName(args.databaseStorageClass, `${arg}.databaseStorageClass`);
    }

    const concurrentSpawnLimit = args.concurrentSpawnLimit ?? 64;
    requireNonNegativeInteger(concurrentSpawnLimit, `${arg}.concurrentSpawnLimit`);
    const namedServerLimit = args.namedServerLimit ?? 0;
    requireNonNegativeInteger(namedServerLimit, `${arg}.namedServerLimit`);
    const startTimeoutSeconds = args.startTimeoutSeconds ?? 300;
    check(Number.isInteger(startTimeoutSeconds) && startTimeoutSeconds > 0, `${arg}.startTimeoutSeconds`, `${startTimeoutSeconds} must be an integer > 0`);
    const httpTimeoutSeconds = args.httpTimeoutSeconds ?? 120;
    check(Number.isInteger(httpTimeoutSeconds) && httpTimeoutSeconds > 0, `${arg}.httpTimeoutSeconds`, `${httpTimeoutSeconds} must be an integer > 0`);
    const defaultUrl = args.defaultUrl ?? "/lab";
    check(defaultUrl.startsWith("/"), `${arg}.defaultUrl`, `"${defaultUrl}" must start with "/"`);
    (args.admins ?? []).forEach((u, i) => check(typeof u === "string" && u.length > 0, `${arg}.admins[${i}]`, "must be a non-empty user name"));
    (args.allowedUsers ?? []).forEach((u, i) => check(typeof u === "string" && u.length > 0, `${arg}.allowedUsers[${i}]`, "must be a non-empty user name"));

    if (args.daskSessions !== undefined) {
        for (const [group, g] of Object.entries(args.daskSessions.groups)) {
            const mine = groups.find((x) => x.name === group);
            check(mine !== undefined, `${arg}.daskSessions.groups.${group}`, `"${group}" is not a group; use one of ${known()}`);
            check(
                mine.namespace === g.namespace,
                `${arg}.daskSessions.groups.${group}.namespace`,
                `"${g.namespace}" is not the group's namespace "${mine.namespace}"`,
            );
        }
    }

    const names: HubNames = {
        hub: `${name}-hub`,
        hubService: `${name}-hub`,
        config: `${name}-hub-config`,
        secret: `${name}-hub-secret`,
        database: `${name}-hub-db`,
        proxy: `${name}-proxy`,
        proxyPublic: `${name}-proxy-public`,
        proxyApi: `${name}-proxy-api`,
        spawnerRole: `${name}-hub-spawner`,
    };
    Object.entries(names).forEach(([k, v]) => requireDnsLabel(v, `${arg} (object name ${k})`));

    return {
        name,
        facility: args.facility,
        namespace,
        domain: args.domain,
        login: args.login,
        groups,
        services,
        culler,
        storage: { type: storageType, storageClass: st.storageClass, capacity: st.capacity ?? "10Gi", mountPath },
        concurrentSpawnLimit,
        namedServerLimit,
        startTimeoutSeconds,
        httpTimeoutSeconds,
        defaultUrl,
        admins: [...(args.admins ?? [])],
        allowedUsers: [...(args.allowedUsers ?? [])],
        names,
        secrets,
        images,
        notebookCmd: [...notebookCmd],
        hubPort: 8081,
        proxyPort: 8000,
        proxyApiPort: 8001,
    };
}
