import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    check,
    facilityNamespace,
    gatewayApiUrl,
    gatewayServiceName,
    groupNamespace,
    requireDnsLabel,
    requireDnsName,
    requireOneOf,
    requireUnique,
    standardLabels,
} from "../common";
import { DaskClusterCrd, DaskGateway, DaskGatewayArgs, validateGateways } from "../dask-gateway";
import { DaskAccess, DaskAccessArgs, daskAccessHubService, gatewayDashboards, planDaskAccess, renderDaskSessionSettings } from "../dask-sessions";
import { clientPodParts, HTCondorPool, HTCondorPoolArgs, planPool, poolKeptSecrets } from "../htcondor";
import { JupyterHub, JupyterHubArgs, NOTEBOOK_UID, planHub, ProfileArgs } from "../jupyterhub";
import { isQuantity, quantityValue } from "../jupyterhub/quantity";
import {
    DEFAULT_MAX_WORKERS, labextensionEnv, NotebookDaskArgs, NotebookGuarantee, notebookDaskPodParts, planNotebookDask, SESSION_CLUSTER_KINDS, SessionClusterKind,
} from "../notebook-dask";
import { resolveImages, ResolvedImages } from "../images";
import { FacilityMonitoring, FacilityMonitoringArgs, HUB_METRICS_SERVICE, planMonitoring, planScraper } from "../monitoring";
import { CertificateAuthority, InClusterAuthority } from "../pki";
import { AcmeCertificate, HttpsPlan, planHttps } from "../https";
import { KeyPairSource, planTraefik, SecretSource, Traefik, TraefikArgs } from "../traefik";
import { AnalysisFacilityArgs } from "./args";
import { facilityDaskAccess, gatewayAddress as gatewayApiAddress, gatewayProxyAddress } from "./dask-access";
import { largestProfile, limitedProfile } from "./namespace-limits";
import { declareGroupParts, GROUP_CA_BUNDLE, groupCaSubject, GroupParts } from "./group-parts";
import { FacilityPkiPlan, GROUP_CA_CERTIFICATE, planPki, ROOT_CA_SECRET } from "./pki-plan";
import { mergePodParts } from "./pod-parts";
import { planHubSecrets, secretsMadeBy } from "./secrets-plan";

/** Per-group parts, by group name. */
export interface FacilityGroup {
    /** Namespace `<facility>-<group>`. */
    namespace: string;
    /** The group's CA (`pki.mode` generated): a self-signed root (no path-length constraint), the only trust anchor of the group's Dask TLS. */
    ca?: CertificateAuthority;
    /** The same CA made by cert-manager in the group namespace (`pki.mode` cert-manager). */
    inClusterCa?: InClusterAuthority;
    /** The group's Dask Gateway. */
    gateway: DaskGateway;
}

/** The derived, validated args of every part: what `planFacility` checks and the constructor declares. */
export interface FacilityPlan {
    namespace: string;
    traefik: TraefikArgs;
    hub: JupyterHubArgs;
    gateways: Omit<DaskGatewayArgs, "hub" | "traefik">[];
    pools: { name: string; args: HTCondorPoolArgs }[];
    /** Each group's session Dask defaults (module settings in its namespace). */
    notebooks: NotebookDaskArgs[];
    /** The Dask access service (all but the hub); none when turned off. */
    access?: Omit<DaskAccessArgs, "hub">;
    /** Every role's image as the facility resolved it (`images`, else the catalogue). */
    images: ResolvedImages;
    /** The monitoring component's args (all but the hub's token); mode `none` declares nothing. */
    monitoring: Omit<FacilityMonitoringArgs, "hubMetricsToken">;
    /** Where the HTTPS certificate comes from, and what that mode declares. */
    https: HttpsPlan;
    /** Where the authorities are made, and what cert-manager mode declares. */
    pki: FacilityPkiPlan;
}

/** The smallest CPU and memory guarantees among the profiles that state one. */
export function smallestGuarantee(profiles: ProfileArgs[]): NotebookGuarantee {
    const values = (qs: (string | undefined)[]) => qs.filter((q): q is string => q !== undefined && isQuantity(q)).map(quantityValue);
    const cpu = values(profiles.map((p) => p.cpuGuarantee));
    const memory = values(profiles.map((p) => p.memoryGuarantee));
    return {
        ...(cpu.length ? { cpu: Math.min(...cpu) } : {}),
        ...(memory.length ? { memoryGiB: Math.min(...memory) / 2 ** 30 } : {}),
    };
}

/** A group's session cluster kind: as given, else HTCondor where the group has a pool, else its gateway. */
export function sessionKind(group: AnalysisFacilityArgs["groups"][number], index: number): SessionClusterKind {
    const kind = group.dask?.cluster ?? (group.htcondor ? "htcondor" : "gateway");
    requireOneOf(kind, SESSION_CLUSTER_KINDS, `groups[${index}].dask.cluster`);
    check(kind !== "htcondor" || group.htcondor !== undefined, `groups[${index}].dask.cluster`,
        `"htcondor" needs a pool: give the group htcondor.pool, or use "gateway"`);
    return kind;
}

/**
 * The image a part gets: its own (`own`) where given; else the facility's, unless the part
 * names a version of its own (`versioned`) and the site did not override the role in `images`
 * (then the part tags its pinned image with that version).
 */
function partImage(own: string | undefined, role: keyof ResolvedImages, images: ResolvedImages, args: AnalysisFacilityArgs, versioned: boolean): string | undefined {
    if (own !== undefined) return own;
    return versioned && args.images?.[role] === undefined ? undefined : images[role];
}

/** The pools' args: each gets the facility, its namespace (in-cluster), the groups that use it and the facility's images (busybox, the worker image). */
function poolArgs(name: string, args: AnalysisFacilityArgs, images: ResolvedImages): { name: string; args: HTCondorPoolArgs }[] {
    const pools = args.htcondor?.pools ?? {};
    Object.keys(pools).forEach((p) => requireDnsLabel(p, `htcondor.pools.${p}`));
    args.groups.forEach((g, i) => {
        if (g.htcondor) {
            check(
                g.htcondor.pool in pools,
                `groups[${i}].htcondor.pool`,
                `"${g.htcondor.pool}" is not a pool in htcondor.pools (declared: ${Object.keys(pools).map((p) => `"${p}"`).join(", ") || "none"})`,
            );
        }
    });
    return Object.entries(pools)
        .map(([pool, spec]) => {
            const groups = args.groups
                .filter((g) => g.htcondor?.pool === pool)
                .map((g) => ({ name: g.name, accountingGroup: g.htcondor!.accountingGroup, token: g.htcondor!.token, worker: g.htcondor!.worker }));
            // Container-universe workers that name no image run the facility's worker image.
            const common = { facility: name, groups, tokenInitImage: spec.tokenInitImage ?? images.busybox, workerImage: images.worker };
            const full = (spec.mode === "in-cluster"
                ? {
                      ...spec,
                      ...common,
                      namespace: facilityNamespace(name),
                      images: {
                          cm: partImage(spec.images?.cm, "htcondorCm", images, args, spec.imageTag !== undefined),
                          submit: partImage(spec.images?.submit, "htcondorSubmit", images, args, spec.imageTag !== undefined),
                          execute: partImage(spec.images?.execute, "htcondorExecute", images, args, spec.imageTag !== undefined),
                      },
                  }
                : { ...spec, ...common }) as HTCondorPoolArgs;
            return { name: pool, args: full };
        })
        .filter((p) => p.args.groups.length > 0);
}

/** The ConfigMap the facility root CA's certificate is published in (facility namespace). */
export const ROOT_CA_BUNDLE = "hepaf-root-ca";

/** The profile a group gets when it names none; with no image of its own it runs the facility's notebook image (`images.notebook`). */
const DAY_ONE_PROFILE = { name: "default", displayName: "Default environment" };

/** Every group namespace has a quota (the policy pack insists); this is the default. */
const DEFAULT_QUOTA = { cpu: 200, memoryGiB: 800, pods: 500 };

/** Checks the facility's own args. */
export function checkFacilityArgs(name: string, args: AnalysisFacilityArgs): void {
    requireDnsLabel(name, "facility name");
    requireDnsName(args.domain, "domain");
    check(args.hub !== undefined, "hub", "give the hub's login (e.g. { login: { type: \"generic-oauth\", ... } })");
    check(Array.isArray(args.groups) && args.groups.length > 0, "groups", "declare at least one group");
    args.groups.forEach((g, i) => {
        requireDnsLabel(g.name, `groups[${i}].name`);
        groupNamespace(name, g.name);
    });
    requireUnique(args.groups.map((g) => g.name), "groups", "group name");
}

/**
 * Traefik's default certificate in each HTTPS mode: a leaf of the facility root (`generated`,
 * unless `traefik.defaultCertificate` gives one), else the Secret the site or cert-manager keeps.
 */
function edgeCertificate(name: string, args: AnalysisFacilityArgs, https: HttpsPlan, pki: FacilityPkiPlan, ca?: CertificateAuthority): KeyPairSource | SecretSource {
    if (https.mode !== "generated") return { secretName: https.secretName };
    if (args.traefik?.defaultCertificate) return args.traefik.defaultCertificate;
    if (pki.mode === "cert-manager") return { secretName: pki.edge!.secretName };
    return ca!.issue(`${name}-edge-tls`, { dnsNames: [args.domain, `*.${args.domain}`], usages: ["server"] });
}

/**
 * Derives every part's args from the one description and validates all of them, declaring
 * nothing: a bad value anywhere fails before the first resource.
 */
export function planFacility(name: string, args: AnalysisFacilityArgs): FacilityPlan {
    checkFacilityArgs(name, args);
    const images = resolveImages(args.images, "images");
    const namespace = facilityNamespace(name);
    const traefikImage = partImage(args.traefik?.image, "traefik", images, args, args.traefik?.version !== undefined);
    // Only the scraper's Prometheus pods may reach the metrics ports (nobody without a scraper):
    // decided first, for every part's NetworkPolicy.
    const scraperRef = planScraper(args.monitoring, name, [namespace, ...args.groups.map((g) => groupNamespace(name, g.name))]);
    const scraper = scraperRef ? { scraper: scraperRef } : {};
    const https = planHttps(name, args.domain, args.https);
    const pki = planPki(name, {
        pki: args.pki,
        ca: args.ca,
        domain: args.domain,
        namespace,
        makesEdge: https.mode === "generated" && args.traefik?.defaultCertificate === undefined,
        labels: standardLabels({ name: "hepaf", instance: name, component: "pki", facility: name }),
    });
    if (https.mode !== "generated") {
        check(args.traefik?.defaultCertificate === undefined, "traefik.defaultCertificate", `is a certificate of its own, and https.mode "${https.mode}" gives the certificate too: give one of them`);
        check((args.traefik?.mode ?? "install") === "install", "https.mode", `"${https.mode}" sets the certificate of the facility's own Traefik, and traefik.mode is "existing": give that Traefik its certificate, and leave https.mode "generated"`);
    }
    const traefik: TraefikArgs = {
        ...args.traefik,
        ...scraper,
        ...(https.mode === "acme" ? { acmeIngressClass: https.ingressClass } : {}),
        ...(traefikImage !== undefined ? { image: traefikImage } : {}),
        namespace,
        createNamespace: false,
        watchNamespaces: args.groups.map((g) => groupNamespace(name, g.name)),
    };
    const traefikPlan = planTraefik(`${name}-edge`, traefik);
    const daskPort = traefikPlan.daskPort;
    const entrypoints = traefikPlan.names;
    const accessBase = facilityDaskAccess(name, args, { namespace, websecure: entrypoints.websecure, routeLabels: traefikPlan.routeLabels, daskPort }, images.hub, scraperRef);
    // cert-manager keeps the root in a Secret: the service mounts its ca.crt alone.
    const accessArgs = accessBase && pki.mode === "cert-manager" ? { ...accessBase, rootCaSecret: ROOT_CA_SECRET } : accessBase;
    const access = accessArgs && planDaskAccess(accessArgs, "daskAccess");

    const profilesOf = (g: AnalysisFacilityArgs["groups"][number]) => (g.profiles ?? [DAY_ONE_PROFILE]).map(limitedProfile);
    const kinds = args.groups.map(sessionKind);
    args.groups.forEach((g, i) => {
        const own = g.gateway?.limits?.maxWorkers;
        const asked = g.dask?.adaptive?.maximum;
        check(kinds[i] !== "gateway" || own === undefined || asked === undefined || asked <= own, `groups[${i}].dask.adaptive.maximum`,
            `${asked} is above the group's gateway limit (gateway maxWorkers ${own}), which its gateway sessions cannot pass`);
    });
    // The gateway's own limits: as given, else the group's adaptive limits.
    const gatewayLimits = (g: AnalysisFacilityArgs["groups"][number]) => {
        const maxCores = g.gateway?.limits?.maxCores ?? g.dask?.adaptive?.maxCores;
        return {
            ...g.gateway?.limits,
            maxWorkers: g.gateway?.limits?.maxWorkers ?? g.dask?.adaptive?.maximum ?? DEFAULT_MAX_WORKERS,
            ...(maxCores !== undefined ? { maxCores } : {}),
        };
    };
    const gateways = args.groups.map((g) => ({
        ...g.gateway,
        image: partImage(g.gateway?.image, "gatewayServer", images, args, g.gateway?.version !== undefined),
        // Schedulers and workers: the gateway's own image, else the images it offers, else the facility's worker image.
        cluster: { ...g.gateway?.cluster, image: g.gateway?.cluster?.image ?? (g.gateway?.options?.images === undefined ? images.worker : undefined) },
        limits: gatewayLimits(g),
        admit: largestProfile(profilesOf(g)),
        facility: name,
        group: g.name,
        domain: args.domain,
        hubNamespace: namespace,
        quota: { ...DEFAULT_QUOTA, ...g.quota },
        createNamespace: false,
        ...scraper,
        // Cluster dashboards under the access service's prefix, behind its sign-in.
        ...(access ? { dashboards: gatewayDashboards(access, g.name) } : {}),
    }));
    const placeholderHub = { serviceName: "", apiToken: "", hubApiUrl: "" };
    const traefikRef = { namespace, entrypoints, routeLabels: traefikPlan.routeLabels, daskPort };
    validateGateways(
        gateways.map((g) => ({ ...g, hub: { ...placeholderHub, serviceName: gatewayServiceName(g.group) }, traefik: traefikRef })),
        "groups",
    );

    const gatewayAddress = (group: string) => gatewayApiAddress(args.domain, group);
    const publicAddress = (group: string) => access?.groups.find((x) => x.name === group)?.gateway?.publicAddress ?? gatewayAddress(group);
    const hub: JupyterHubArgs = {
        ...args.hub,
        hubImage: args.hub.hubImage ?? images.hub,
        proxyImage: args.hub.proxyImage ?? images.proxy,
        notebookImage: images.notebook,
        facility: name,
        namespace,
        createNamespace: false,
        createGroupNamespaces: false,
        domain: args.domain,
        ...scraper,
        traefik: { namespace, entrypoints, routeLabels: traefikPlan.routeLabels },
        groups: args.groups.map((g, i) => ({
            name: g.name,
            members: g.members,
            profiles: profilesOf(g),
            env: {
                DASK_GATEWAY__ADDRESS: gatewayAddress(g.name),
                DASK_GATEWAY__PUBLIC_ADDRESS: publicAddress(g.name),
                DASK_GATEWAY__PROXY_ADDRESS: gatewayProxyAddress(args.domain, daskPort),
                DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
                // dask-labextension's "new cluster" button makes the group's kind of cluster, adaptive.
                ...labextensionEnv(kinds[i]),
                ...g.env,
            },
            pod: notebookDaskPodParts(),
        })),
        services: [
            ...args.groups.map((g) => ({ name: gatewayServiceName(g.name), url: gatewayApiUrl(name, g.name), group: g.name })),
            ...(access ? [daskAccessHubService(access)] : []),
            // The scraper's token for /hub/metrics: an API-only service holding read:metrics alone.
            ...(scraperRef === undefined ? [] : [{ name: HUB_METRICS_SERVICE, scopes: ["read:metrics"] }]),
        ],
    };
    const madeBy = secretsMadeBy(args, pki);
    // Made in the cluster, an in-cluster pool's key and tokens come from the hub's keeper.
    const pools = poolArgs(name, args, images).map((p) => (p.args.mode === "in-cluster" && madeBy === "cluster" ? { ...p, args: { ...p.args, secretsMadeBy: madeBy } } : p));
    const poolPlans = pools.map((p) => planPool(`${name}-${p.name}`, p.args));
    const jobqueueOf = new Map(poolPlans.flatMap((pp) => pp.groups.map((g) => [g.name, g.jobqueue] as const)));
    const notebooks: NotebookDaskArgs[] = args.groups.map((g, i) => {
        const plan = {
            group: g.name,
            kind: kinds[i],
            adaptive: { ...g.dask?.adaptive, maximum: g.dask?.adaptive?.maximum ?? g.gateway?.limits?.maxWorkers, maxCores: g.dask?.adaptive?.maxCores ?? g.gateway?.limits?.maxCores },
            dedicatedWorker: g.dask?.dedicatedWorker,
            workerCores: kinds[i] === "htcondor" ? jobqueueOf.get(g.name)!.cores : (g.gateway?.cluster?.worker?.cores ?? 1),
            notebook: smallestGuarantee(profilesOf(g)),
        };
        planNotebookDask(plan, `groups[${i}].dask`);
        return { ...plan, namespace: groupNamespace(name, g.name), facility: name };
    });
    const sessionGroups = args.groups.filter((g) => g.htcondor).map((g) => ({ name: g.name, namespace: groupNamespace(name, g.name) }));
    if (sessionGroups.length > 0) {
        hub.daskSessions = renderDaskSessionSettings({
            domain: args.domain,
            daskPort,
            entrypoint: entrypoints.dask,
            routeLabels: traefikPlan.routeLabels,
            groups: sessionGroups,
            dashboards: access?.sessionDashboards,
        });
        // Each group's servers get its pool's client config, token and jobqueue settings.
        const clientByGroup = new Map(poolPlans.flatMap((pp) => pp.groups.map((g) => [g.name, clientPodParts(g, NOTEBOOK_UID)] as const)));
        hub.groups = hub.groups.map((g) => (clientByGroup.has(g.name) ? { ...g, pod: mergePodParts(clientByGroup.get(g.name), g.pod) } : g));
    }
    const monitoring: Omit<FacilityMonitoringArgs, "hubMetricsToken"> = {
        ...args.monitoring,
        facility: name,
        facilityNamespace: namespace,
        groups: args.groups.map((g) => ({ name: g.name, namespace: groupNamespace(name, g.name), gatewayHealthUrl: `${gatewayApiUrl(name, g.name)}/api/health` })),
        rootCaConfigMap: { name: ROOT_CA_BUNDLE, key: "ca.crt" },
        groupCaConfigMap: { name: GROUP_CA_BUNDLE, key: "ca.crt" },
        ...(pki.mode === "cert-manager" ? { caCertificates: { root: pki.root.certificateName, group: GROUP_CA_CERTIFICATE } } : {}),
        daskAccess: access !== undefined,
        hubImage: hub.hubImage!,
        prometheusImage: images.prometheus,
    };
    const monitoringPlan = planMonitoring({ ...monitoring, hubMetricsToken: "" }, "monitoring");
    hub.secrets = planHubSecrets(name, args, madeBy, {
        gateways: args.groups.map((g) => ({ group: g.name, namespace: groupNamespace(name, g.name), service: gatewayServiceName(g.name) })),
        access: access && { namespace, secretName: access.names.workload, service: access.serviceName },
        pools: pools.map((p, i) => poolKeptSecrets(`${name}-${p.name}`, poolPlans[i], name)),
        monitoring: { plan: monitoringPlan, facilityNamespace: namespace, service: HUB_METRICS_SERVICE },
    });
    planHub(name, hub);
    return { namespace, traefik, hub, gateways, pools, notebooks, access: accessArgs, images, monitoring, https, pki };
}

/** A whole analysis facility: CA tree, front door, hub and a gateway per group, wired by typed outputs. */
export class AnalysisFacility extends pulumi.ComponentResource {
    /** The resource type this component registers (its URN's type; the package schema's token). */
    static readonly __pulumiType = "hepaf:facility:AnalysisFacility";
    /** `https://<domain>`. */
    readonly hubUrl: string;
    /** `<domain>:<daskPort>`: one address and port for every Dask cluster. */
    readonly daskEndpoint: string;
    /** The facility root CA certificate (public); undefined with `pki.mode` cert-manager, which keeps it in the cluster (`ca.crt` of the Secret `hepaf-root-ca-keypair` in the facility namespace). */
    readonly rootCaCertPem?: pulumi.Output<string>;
    /** The front door. */
    readonly traefik: Traefik;
    /** The hub. */
    readonly hub: JupyterHub;
    /** Per-group parts (none with `groupStacks`: the groups' own stacks declare them). */
    readonly groups: Record<string, FacilityGroup>;
    /** With `groupStacks`: what each group's own stack declares (`FacilityGroupParts`), a secret (it holds the gateway's hub token); else empty. */
    readonly groupParts: Record<string, pulumi.Output<GroupParts>>;
    /** Each group's gateway address for `dask_gateway.Gateway(address=...)`. */
    readonly gatewayAddresses: Record<string, pulumi.Output<string>>;
    /** The Dask access service's page (`https://<domain>/services/dask/`: bundles, dashboard sign-in), or undefined when turned off. */
    readonly daskAccessUrl?: string;
    /** Every role's image as resolved from `images` and the catalogue (what each part runs unless its own args name another). */
    readonly images: ResolvedImages;

    constructor(name: string, args: AnalysisFacilityArgs, opts?: pulumi.ComponentResourceOptions) {
        const plan = planFacility(name, args);
        super(AnalysisFacility.__pulumiType, name, {}, opts);
        const child = { parent: this };
        this.images = plan.images;
        const labels = (component: string, group?: string) => standardLabels({ name: "hepaf", instance: name, component, facility: name, group });

        const facilityNs = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: plan.namespace, labels: labels("facility") } }, child);
        // The facility root: in Pulumi state (generated), or made by cert-manager in the facility namespace.
        const pki = plan.pki;
        const ca = pki.mode === "generated" ? new CertificateAuthority(`${name}-root`, { subject: { organization: name }, ...args.ca }, child) : undefined;
        const inClusterRoot = pki.mode === "cert-manager" ? new InClusterAuthority(`${name}-root`, { plan: pki.root, issuerName: pki.issuerName }, { parent: this, dependsOn: [facilityNs] }) : undefined;
        this.rootCaCertPem = ca?.certPem;
        const rootCaBundle = ca ? ca.trustBundle({ namespace: plan.namespace, name: ROOT_CA_BUNDLE }, { dependsOn: [facilityNs] }) : inClusterRoot!.certificate;
        if (inClusterRoot && pki.mode === "cert-manager" && pki.edge) inClusterRoot.serverCertificate(`${name}-edge-certificate`, { name: pki.edge.certificateName, secretName: pki.edge.secretName, dnsNames: pki.edge.dnsNames });

        const groupNamespaces: Record<string, k8s.core.v1.Namespace> = {};
        for (const group of args.groups) {
            const ns = groupNamespace(name, group.name);
            groupNamespaces[group.name] = new k8s.core.v1.Namespace(`${name}-${group.name}-ns`, { metadata: { name: ns, labels: labels("group", group.name) } }, child);
        }
        const allNamespaces = [facilityNs, ...Object.values(groupNamespaces)];

        this.traefik = new Traefik(
            `${name}-edge`,
            { ...plan.traefik, defaultCertificate: edgeCertificate(name, args, plan.https, pki, ca) },
            { parent: this, dependsOn: allNamespaces },
        );
        if (plan.https.mode === "acme") {
            new AcmeCertificate(
                `${name}-https`,
                {
                    plan: plan.https,
                    namespace: plan.namespace,
                    labels: labels("https"),
                    routeLabels: this.traefik.routeLabels,
                    webEntrypoint: this.traefik.entrypoints.web,
                    traefikPodLabels: this.traefik.podLabels!,
                },
                { parent: this, dependsOn: [facilityNs] },
            );
        }

        // Named like the facility, so its objects are `<facility>-hub`, `<facility>-proxy`, ...
        this.hub = new JupyterHub(
            name,
            { ...plan.hub, traefik: { ...plan.hub.traefik, crdResources: this.traefik.crdResources } },
            { parent: this, dependsOn: allNamespaces },
        );

        for (const pool of plan.pools) {
            new HTCondorPool(`${name}-${pool.name}`, pool.args, { parent: this, dependsOn: allNamespaces });
        }

        const crd = new DaskClusterCrd(`${name}-daskcluster-crd`, { facility: name }, child);
        this.groups = {};
        this.gatewayAddresses = {};
        this.groupParts = {};
        const traefikRef = { namespace: plan.namespace, entrypoints: this.traefik.entrypoints, routeLabels: this.traefik.routeLabels, daskPort: this.traefik.daskPort };
        for (const gw of plan.gateways) {
            const g = gw.group;
            const hub = this.hub.serviceRef(gatewayServiceName(g));
            const parts = {
                facility: name,
                group: g,
                namespace: groupNamespace(name, g),
                caSubject: groupCaSubject(name, g),
                pki: plan.pki.mode,
                notebook: plan.notebooks.find((nb) => nb.group === g)!,
                gateway: gw,
            };
            if (args.groupStacks) {
                const { resources: _resources, ...gatewayRoles } = crd.gatewayRoles;
                this.groupParts[g] = pulumi
                    .all([hub.apiToken, hub.hubApiUrl])
                    .apply(([apiToken, hubApiUrl]): GroupParts => ({ ...parts, hub: { serviceName: hub.serviceName, apiToken, hubApiUrl }, traefik: traefikRef, gatewayRoles }));
                this.gatewayAddresses[g] = pulumi.output(gatewayProxyAddress(args.domain, this.traefik.daskPort));
                continue;
            }
            const declared = declareGroupParts({ ...parts, hub, traefik: this.traefik, gatewayRoles: crd.gatewayRoles }, this, { namespace: groupNamespaces[g], crd: crd.crd });
            this.groups[g] = { namespace: groupNamespace(name, g), ...declared };
            this.gatewayAddresses[g] = declared.gateway.proxyAddress;
        }

        if (plan.access) {
            this.daskAccessUrl = new DaskAccess(
                `${name}-dask-access`,
                {
                    ...plan.access,
                    hub: this.hub.serviceRef(planDaskAccess(plan.access).serviceName),
                    traefik: { ...plan.access.traefik, crdResources: this.traefik.crdResources },
                    rootCaResource: rootCaBundle,
                },
                { parent: this, dependsOn: allNamespaces },
            ).url;
        }

        new FacilityMonitoring(
            `${name}-monitoring`,
            // Made in the cluster, the token's Secret comes from the hub's keeper (no token here).
            { ...plan.monitoring, hubMetricsToken: (plan.monitoring.mode ?? "none") === "none" ? "" : this.hub.serviceRef(HUB_METRICS_SERVICE).apiToken },
            { parent: this, dependsOn: allNamespaces },
        );

        this.hubUrl = `https://${args.domain}`;
        this.daskEndpoint = `${args.domain}:${this.traefik.daskPort}`;
        this.registerOutputs({ hubUrl: this.hubUrl, daskEndpoint: this.daskEndpoint, rootCaCertPem: this.rootCaCertPem, gatewayAddresses: this.gatewayAddresses, daskAccessUrl: this.daskAccessUrl, groupParts: this.groupParts });
    }
}
