/**
 * Least privilege, judged by the real authorizer: for each ServiceAccount of the dev facility,
 * SubjectAccessReviews of what its software really calls (allowed) and of what it must not do
 * (denied). The matrix is printed; both directions are asserted, so widening or narrowing a rule
 * fails here.
 */
import { ControlPlane, startControlPlane } from "./harness/control-plane";
import { stopAll } from "./harness/processes";
import { applyStack, stackObjects } from "./harness/stack";

jest.setTimeout(10 * 60 * 1000);

/** One question to the authorizer. */
interface Ask {
    verb: string;
    /** `resource` or `resource.group`, optionally `/subresource`. */
    resource: string;
    /** Namespace; omitted for cluster-wide (all namespaces, or cluster-scoped resources). */
    ns?: string;
    name?: string;
    /** Why (the caller, or what must not happen). */
    why: string;
}

const all = (verbs: string[], resource: string, ns: string | undefined, why: string): Ask[] => verbs.map((verb) => ({ verb, resource, ns, why }));
const groups = ["af-cms", "af-opendata"];

/** What each account's software calls. */
const ALLOWED: Record<string, Ask[]> = {
    "af/af-hub": groups.flatMap((ns) => [
        ...all(["create", "delete", "get", "list", "watch"], "pods", ns, "KubeSpawner: user pods and its pod reflector"),
        ...all(["list", "watch"], "events", ns, "KubeSpawner: the event reflector (spawn progress)"),
        ...all(["get", "create"], "persistentvolumeclaims", ns, "KubeSpawner: home volumes"),
        ...all(["create", "delete", "get"], "services", ns, "dask_sessions: the session's Service"),
        ...all(["create", "delete", "get"], "ingressroutetcps.traefik.io", ns, "dask_sessions: the session's SNI route"),
        ...all(["create", "delete", "get"], "ingressroutes.traefik.io", ns, "dask_sessions: the session's dashboard route"),
        ...all(["create", "delete"], "secrets", ns, "dask_sessions: the user's TLS Secret"),
        { verb: "get", resource: "secrets", ns, name: "hepaf-group-ca-keypair", why: "dask_sessions: signs with the group CA" },
    ]),
    "af/af-edge": ["af", ...groups].flatMap((ns) => [
        ...all(["get", "list", "watch"], "services", ns, "kubernetescrd: route backends"),
        ...all(["list", "watch"], "endpointslices.discovery.k8s.io", ns, "kubernetescrd: backend addresses"),
        ...all(["get", "list", "watch"], "secrets", ns, "kubernetescrd: TLS certificates of TLSStore/TLSOption"),
        ...all(["get", "list", "watch"], "configmaps", ns, "kubernetescrd: root CAs of ServersTransports (an informer it waits for)"),
        ...["ingressroutes", "ingressroutetcps", "middlewares", "tlsstores", "tlsoptions", "serverstransports", "serverstransporttcps", "traefikservices", "middlewaretcps", "ingressrouteudps"].flatMap((r) =>
            all(["get", "list", "watch"], `${r}.traefik.io`, ns, "kubernetescrd: dynamic configuration"),
        ),
    ]),
    ...Object.fromEntries(
        groups.flatMap((ns) => [
            [
                `${ns}/dask-gateway-api`,
                [
                    ...all(["create", "get", "list", "watch", "patch"], "daskclusters.gateway.dask.org", ns, "KubeBackend: clusters of the group"),
                    ...all(["list", "watch"], "daskclusters.gateway.dask.org", undefined, "KubeBackend: its informer lists all namespaces"),
                    { verb: "get", resource: "secrets", ns, why: "KubeBackend: a cluster's credentials" },
                ],
            ],
            [
                `${ns}/dask-gateway-controller`,
                [
                    ...all(["get", "list", "watch", "patch", "delete"], "daskclusters.gateway.dask.org", ns, "KubeController: reconciles clusters"),
                    ...all(["get", "patch"], "daskclusters.gateway.dask.org/status", ns, "KubeController: cluster status"),
                    ...all(["create", "delete", "get", "list", "watch"], "pods", ns, "KubeController: schedulers and workers"),
                    ...all(["create", "delete", "get"], "secrets", ns, "KubeController: cluster credentials"),
                    ...all(["create", "delete", "get"], "services", ns, "KubeController: scheduler Services"),
                    ...all(["create", "delete", "get"], "ingressroutes.traefik.io", ns, "KubeController: dashboard routes"),
                    ...all(["create", "delete", "get"], "ingressroutetcps.traefik.io", ns, "KubeController: SNI routes"),
                    ...all(["list", "watch"], "pods", undefined, "KubeController: pod informer, all namespaces"),
                    ...all(["list", "watch"], "endpoints", undefined, "KubeController: endpoints informer, all namespaces"),
                    ...all(["list", "watch"], "daskclusters.gateway.dask.org", undefined, "KubeController: cluster informer, all namespaces"),
                ],
            ],
        ]),
    ),
    "af/af-dask-access": groups.flatMap((ns) => [
        { verb: "get", resource: "secrets", ns, name: "hepaf-group-ca-keypair", why: "dask_access: signs laptop certificates with the group CA" },
        ...all(["get", "update"], "configmaps", ns, "dask_access: the record of issued certificates").map((a) => ({ ...a, name: "hepaf-dask-access-certificates" })),
        { verb: "get", resource: "daskclusters.gateway.dask.org", ns, why: "dask_access: whose cluster a dashboard is" },
    ]),
    // The facility's own Prometheus: Kubernetes service discovery in the namespaces it scrapes.
    "af-monitoring/prometheus": ["af", ...groups].flatMap((ns) => [
        ...all(["list", "watch"], "endpointslices.discovery.k8s.io", ns, "discovery: role endpointslice"),
        ...all(["list", "watch"], "services", ns, "discovery: the Service labels a job keeps"),
        ...all(["list", "watch"], "pods", ns, "discovery: the pod of each endpoint"),
    ]),
    // The facility exporter: the published CA bundles, the groups' quotas and gateway clusters.
    "af/hepaf-exporter": [
        { verb: "get", resource: "configmaps", ns: "af", name: "hepaf-root-ca", why: "exporter: the root CA's expiry" },
        ...groups.flatMap((ns) => [
            { verb: "get", resource: "configmaps", ns, name: "hepaf-group-ca", why: "exporter: the group CA's expiry" },
            { verb: "list", resource: "resourcequotas", ns, why: "exporter: the group's quota use" },
            { verb: "list", resource: "daskclusters.gateway.dask.org", ns, why: "exporter: gateway clusters by phase" },
        ]),
    ],
    // The in-cluster HTCondor pool's daemons call no Kubernetes API.
    "af/default": [],
};

/** What each account must not do. */
function denied(sa: string): Ask[] {
    const [home, name] = sa.split("/");
    const other = home === "af-cms" ? "af-opendata" : "af-cms";
    const common: Ask[] = [
        { verb: "create", resource: "namespaces", why: "cluster-wide write" },
        { verb: "create", resource: "clusterrolebindings.rbac.authorization.k8s.io", why: "privilege escalation" },
        { verb: "create", resource: "rolebindings.rbac.authorization.k8s.io", ns: "af-cms", why: "privilege escalation" },
        { verb: "list", resource: "secrets", why: "every Secret of the cluster" },
        { verb: "get", resource: "secrets", ns: "kube-system", why: "the control plane's Secrets" },
        { verb: "list", resource: "nodes", why: "not needed" },
        { verb: "impersonate", resource: "serviceaccounts", ns: "af", why: "privilege escalation" },
    ];
    if (name === "af-hub") {
        return [
            ...common,
            ...groups.flatMap((ns) => [
                { verb: "get", resource: "secrets", ns, name: "dask-gateway-hub", why: "the gateway's hub token" },
                { verb: "list", resource: "secrets", ns, why: "reading other users' keys" },
                { verb: "get", resource: "secrets", ns, name: "dask-tls-bob", why: "another user's key (the hook never reads back)" },
                { verb: "create", resource: "daskclusters.gateway.dask.org", ns, why: "the gateway's business" },
                { verb: "patch", resource: "pods", ns, why: "not called" },
                { verb: "create", resource: "middlewares.traefik.io", ns, why: "what stands in front of routes is the program's" },
                { verb: "update", resource: "ingressroutes.traefik.io", ns, why: "the hook creates and deletes, never rewrites" },
            ]),
            { verb: "create", resource: "pods", ns: "af", why: "user pods live in group namespaces only" },
            { verb: "get", resource: "secrets", ns: "af", name: "af-hub", why: "no Role in its own namespace" },
        ];
    }
    if (name === "af-edge") {
        return [
            ...common,
            ...["af", ...groups].flatMap((ns) => [
                { verb: "create", resource: "ingressroutetcps.traefik.io", ns, why: "read-only" },
                { verb: "update", resource: "secrets", ns, why: "read-only" },
                { verb: "list", resource: "pods", ns, why: "not needed by the CRD provider" },
            ]),
            { verb: "list", resource: "services", why: "only the watched namespaces" },
            { verb: "list", resource: "nodes", why: "cluster scope is off (disableClusterScopeResources)" },
            { verb: "list", resource: "ingressroutetcps.traefik.io", ns: "default", why: "an unwatched namespace" },
        ];
    }
    if (name === "af-dask-access") {
        return [
            ...common,
            ...groups.flatMap((ns) => [
                { verb: "get", resource: "secrets", ns, name: "dask-gateway-hub", why: "only the group CA Secret" },
                { verb: "get", resource: "secrets", ns, name: "dask-tls-alice", why: "a user's session key" },
                { verb: "create", resource: "secrets", ns, why: "reads only" },
                { verb: "get", resource: "configmaps", ns, name: "hepaf-group-ca", why: "only its record" },
                { verb: "create", resource: "configmaps", ns, why: "the record is declared by the program" },
                { verb: "delete", resource: "configmaps", ns, name: "hepaf-dask-access-certificates", why: "the record is never removed by it" },
                { verb: "list", resource: "daskclusters.gateway.dask.org", ns, why: "get by name only" },
                { verb: "create", resource: "ingressroutes.traefik.io", ns, why: "routes are the hub's and the program's" },
            ]),
            { verb: "get", resource: "secrets", ns: "af", name: "af-hub-secret", why: "no Role in its own namespace" },
            { verb: "get", resource: "configmaps", ns: "af", why: "no Role in its own namespace" },
        ];
    }
    if (name === "prometheus") {
        return [
            ...common,
            ...["af", ...groups].flatMap((ns) => [
                { verb: "get", resource: "secrets", ns, why: "discovery reads no Secret" },
                { verb: "create", resource: "pods", ns, why: "read-only" },
                { verb: "get", resource: "configmaps", ns, why: "not needed" },
            ]),
            { verb: "list", resource: "pods", why: "only the scraped namespaces" },
            { verb: "list", resource: "services", ns: "default", why: "an unscraped namespace" },
        ];
    }
    if (name === "hepaf-exporter") {
        return [
            ...common,
            { verb: "get", resource: "configmaps", ns: "af", name: "af-hub-config", why: "only the published CA bundles" },
            ...groups.flatMap((ns) => [
                { verb: "get", resource: "secrets", ns, name: "hepaf-group-ca-keypair", why: "the group CA's key: the exporter reads only its certificate" },
                { verb: "list", resource: "configmaps", ns, why: "get by name only" },
                { verb: "update", resource: "resourcequotas", ns, why: "read-only" },
                { verb: "delete", resource: "daskclusters.gateway.dask.org", ns, why: "read-only" },
                { verb: "get", resource: "pods", ns, why: "not needed" },
            ]),
        ];
    }
    if (name === "default") {
        return [
            ...common,
            { verb: "get", resource: "pods", ns: "af", why: "no API access" },
            { verb: "get", resource: "secrets", ns: "af", why: "no API access" },
            { verb: "list", resource: "services", ns: "af", why: "no API access" },
        ];
    }
    const own = [
        { verb: "get", resource: "secrets", ns: other, why: "another group's Secrets" },
        { verb: "create", resource: "daskclusters.gateway.dask.org", ns: other, why: "another group's clusters" },
        { verb: "patch", resource: "daskclusters.gateway.dask.org", ns: other, why: "another group's clusters" },
        { verb: "delete", resource: "daskclusters.gateway.dask.org", ns: other, why: "another group's clusters" },
        { verb: "create", resource: "pods", ns: other, why: "another group's namespace" },
        { verb: "create", resource: "pods", ns: "af", why: "the facility's namespace" },
        { verb: "get", resource: "secrets", ns: "af", why: "the hub's Secrets" },
        { verb: "update", resource: "daskclusters.gateway.dask.org", ns: home, why: "not called" },
    ];
    return name === "dask-gateway-api"
        ? [...common, ...own, { verb: "create", resource: "pods", ns: home, why: "the controller's job" }, { verb: "list", resource: "secrets", ns: home, why: "get by name only" }]
        : [...common, ...own, { verb: "create", resource: "daskclusters.gateway.dask.org", ns: home, why: "the API server's job" }];
}

let cp: ControlPlane;

beforeAll(async () => {
    const objects = stackObjects("dev");
    cp = await startControlPlane("rbac");
    applyStack(cp.admin, objects);
});
afterAll(async () => {
    await cp?.stop();
    await stopAll();
});

function review(sa: string, ask: Ask): Record<string, unknown> {
    const [ns, name] = sa.split("/");
    const [res, sub] = ask.resource.split("/");
    const [resource, ...group] = res.split(".");
    return {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
            user: `system:serviceaccount:${ns}:${name}`,
            groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
            resourceAttributes: { verb: ask.verb, resource, group: group.join("."), subresource: sub, namespace: ask.ns, name: ask.name },
        },
    };
}

test("each ServiceAccount may do what its software calls, and nothing listed beyond it", () => {
    const rows: { sa: string; ask: Ask; expect: boolean; got: boolean }[] = [];
    for (const [sa, allowed] of Object.entries(ALLOWED)) {
        const asks = [...allowed.map((a) => ({ ask: a, expect: true })), ...denied(sa).map((a) => ({ ask: a, expect: false }))];
        // One answer line per review, in order.
        const answers = cp.admin
            .ok(["create", "-o", 'jsonpath={.status.allowed}{"\\n"}', "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: asks.map((a) => review(sa, a.ask)) }))
            .trim()
            .split("\n");
        expect(answers).toHaveLength(asks.length);
        asks.forEach((a, i) => rows.push({ sa, ask: a.ask, expect: a.expect, got: answers[i] === "true" }));
    }
    const table = rows
        .map((r) => `${r.got ? "allow" : "deny "} ${r.expect === r.got ? "  " : "!!"} ${r.sa.padEnd(30)} ${r.ask.verb.padEnd(11)} ${r.ask.resource}${r.ask.name ? `/${r.ask.name}` : ""} in ${r.ask.ns ?? "(cluster)"} — ${r.ask.why}`)
        .join("\n");
    console.log(`RBAC matrix (${rows.length} reviews by the API server's authorizer):\n${table}`);
    expect(rows.filter((r) => r.expect !== r.got).map((r) => `${r.sa} ${r.ask.verb} ${r.ask.resource} ${r.ask.ns ?? ""} ${r.ask.name ?? ""}: expected ${r.expect ? "allow" : "deny"}`)).toEqual([]);
});
