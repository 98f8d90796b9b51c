/**
 * Every object the dev and example stacks declare, applied server-side to a real API server
 * (CRDs first): accepted with no warnings, CRDs Established, Traefik and DaskCluster objects
 * validated by the API server itself, the Deployments Available under kwok, and a second apply
 * that writes nothing. The Prometheus Operator's objects (the example site's ServiceMonitors and
 * PrometheusRule) need the site's operator CRDs and are left to monitoring-operator.test.ts.
 */
import { ControlPlane, NODE_NAME, startControlPlane } from "./harness/control-plane";
import { stopAll, waitFor } from "./harness/processes";
import { applyObjects, applyStack, K8sObject, liveObjects, objectId, stackObjects } from "./harness/stack";
import { need, tools } from "./harness/tools";
import { certManagerCrds } from "../helpers/k8s-schema";

jest.setTimeout(15 * 60 * 1000);

/** The manager's last write of each object (Apply entries of managedFields). */
function applyTimes(objs: any[]): Map<string, string> {
    return new Map(
        objs.map((o) => [objectId(o), (o.metadata.managedFields ?? []).filter((m: any) => m.manager === "hepaf").map((m: any) => `${m.operation}@${m.time}`).join(",")]),
    );
}

describe.each(["dev", "example-university"])("stack %s on a real API server", (stack) => {
    let cp: ControlPlane;
    let objects: K8sObject[];

    beforeAll(async () => {
        const all = stackObjects(stack);
        // A site's Prometheus Operator brings the monitoring.coreos.com CRDs (the example site's
        // monitoring is in mode operator); no operator runs here, so its objects are checked
        // against the operator's own API types instead (monitoring-operator.test.ts).
        const operatorObjects = all.filter((o) => o.apiVersion === "monitoring.coreos.com/v1");
        expect([...new Set(operatorObjects.map((o) => o.kind))].sort()).toEqual(stack === "example-university" ? ["PrometheusRule", "ServiceMonitor"] : []);
        objects = all.filter((o) => !operatorObjects.includes(o));
        cp = await startControlPlane(stack);
        // A site's cert-manager brings the cert-manager.io CRDs (the example site's HTTPS is
        // acme): applied first, from the release the objects are written for.
        if (all.some((o) => o.apiVersion === "cert-manager.io/v1")) applyStack(cp.admin, certManagerCrds());
    });
    afterAll(async () => {
        await cp?.stop();
        await stopAll();
    });

    test("every object is accepted with no warnings, CRDs first and Established", () => {
        const result = applyStack(cp.admin, objects);
        expect(result.warnings).toEqual([]);
        expect(result.lines).toHaveLength(objects.length);
        // The example site's Issuers and Certificates (HTTPS from ACME, every CA from cert-manager), validated by the API server against cert-manager's CRDs.
        expect(objects.filter((o) => o.apiVersion === "cert-manager.io/v1").map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual(
            stack === "example-university"
                ? [
                      "Certificate casa-cms/hepaf-group-ca", "Certificate casa-opendata/hepaf-group-ca", "Certificate casa/casa-edge", "Certificate casa/casa-root-ca",
                      "Issuer casa-cms/hepaf-selfsigned", "Issuer casa-opendata/hepaf-selfsigned", "Issuer casa/casa-acme", "Issuer casa/casa-root", "Issuer casa/hepaf-selfsigned",
                  ]
                : [],
        );
        const live = liveObjects(cp.admin, objects);
        expect(objects.map(objectId).filter((id) => !live.has(id))).toEqual([]);
        for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
            expect(live.get(objectId(crd)).status.conditions.find((c: any) => c.type === "Established")?.status).toBe("True");
        }
        console.log(
            `${stack}: ${objects.length} objects accepted (${objects.filter((o) => o.kind === "CustomResourceDefinition").length} CRDs); control plane ready in ${cp.startMs} ms; resident MiB ${JSON.stringify(cp.residentMiB())}`,
        );
    });

    test("the API server validates Traefik and DaskCluster objects by their CRD schemas", () => {
        const ns = objects.find((o) => o.kind === "Namespace")!.metadata.name;
        const server = { serverValidationOnly: true };
        const route = (name: string, spec: unknown) => ({ apiVersion: "traefik.io/v1alpha1", kind: "IngressRouteTCP", metadata: { name, namespace: ns }, spec }) as unknown as K8sObject;
        expect(() => applyObjects(cp.admin, [route("bad-type", { routes: [{ match: 42, services: [{ name: "x", port: 1 }] }] })], server)).toThrow(
            /bad-type; traefik\.io\/v1alpha1, Kind=IngressRouteTCP\): \.spec\.routes\[0\]\.match: expected string/,
        );
        expect(() => applyObjects(cp.admin, [route("no-routes", { entryPoints: ["dask"] })], server)).toThrow(/IngressRouteTCP.*"no-routes" is invalid: spec\.routes: Required value/);
        if (objects.some((o) => o.metadata.name === "daskclusters.gateway.dask.org")) {
            const cluster = (name: string, spec: unknown) => ({ apiVersion: "gateway.dask.org/v1alpha1", kind: "DaskCluster", metadata: { name, namespace: ns }, spec }) as unknown as K8sObject;
            expect(() => applyObjects(cp.admin, [cluster("no-user", { replicas: 1 })], server)).toThrow(/DaskCluster "no-user" is invalid:[\s\S]*spec\.username: Required value/);
            expect(() => applyObjects(cp.admin, [cluster("minus-one", { username: "alice", config: {}, replicas: -1 })], server)).toThrow(
                /DaskCluster "minus-one" is invalid:[\s\S]*spec\.replicas: Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/,
            );
            // The shape dask-gateway's API server writes is accepted.
            expect(applyObjects(cp.admin, [cluster("as-written", { username: "alice", options: {}, config: { worker_cores: 1 }, replicas: 0, active: true })], { dryRun: true }).warnings).toEqual([]);
        }
        // A valid route of the facility's own shape is accepted.
        const good = { apiVersion: "traefik.io/v1alpha1", kind: "IngressRouteTCP", metadata: { name: "good-route", namespace: ns }, spec: { entryPoints: ["dask"], routes: [{ match: "HostSNI(`a.dask.example.org`)", services: [{ name: "x", port: 8786 }] }], tls: { passthrough: true } } };
        expect(applyObjects(cp.admin, [good as unknown as K8sObject], { dryRun: true }).warnings).toEqual([]);
    });

    test("the facility's Deployments become Available under kwok", async () => {
        const deployments = objects.filter((o) => o.kind === "Deployment");
        expect(deployments.length).toBeGreaterThan(3);
        await waitFor(
            `${deployments.length} Deployments Available`,
            () => {
                const notYet = deployments.filter((d) => {
                    const live = cp.admin.find("deployment", d.metadata.name, d.metadata.namespace);
                    return live?.status?.conditions?.find((c: any) => c.type === "Available")?.status !== "True" || live.status.readyReplicas !== d.spec.replicas;
                });
                if (notYet.length) throw new Error(`not yet: ${notYet.map(objectId).join(", ")}`);
                return true;
            },
            { timeoutMs: 180000, intervalMs: 1000 },
        );
    });

    test("a second apply writes nothing", () => {
        const snapshot = (): any[] => [...liveObjects(cp.admin, objects).values()];
        const before = applyTimes(snapshot());
        expect(before.size).toBe(objects.length);
        const diff = cp.admin.run(["diff", "--server-side", "--field-manager=hepaf", "--force-conflicts", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
        expect({ status: diff.status, diff: diff.stdout.slice(0, 2000) }).toEqual({ status: 0, diff: "" });
        const again = applyStack(cp.admin, objects);
        expect(again.warnings).toEqual([]);
        const after = applyTimes(snapshot());
        const rewritten = [...after].filter(([id, t]) => before.get(id) !== t).map(([id]) => id);
        expect(rewritten).toEqual([]);
    });
});

test("a missing program is one line naming it and the command that makes it", () => {
    expect(() => need({ ...tools(), kubeApiserver: "/nonexistent/kube-apiserver" }, ["etcd", "kubeApiserver"])).toThrow(
        /^live: kubeApiserver is missing \(\/nonexistent\/kube-apiserver\); run scripts\/live-tools\.sh \(Go programs\) or scripts\/python-env\.sh \(venv\)$/,
    );
});

test("the fake node stays Ready past the node controller's grace period: kwok renews its Lease", async () => {
    const cp = await startControlPlane("lease");
    try {
        const lease = await waitFor<any>("the node's Lease", () => cp.admin.find("lease.coordination.k8s.io", NODE_NAME, "kube-node-lease"), { timeoutMs: 60000 });
        const first = lease.spec.renewTime;
        // A kubelet renews every quarter of the duration; the node controller's grace is 50 s.
        const renewed = await waitFor<any>("a renewal of the node's Lease", () => {
            const l = cp.admin.find("lease.coordination.k8s.io", NODE_NAME, "kube-node-lease");
            return l.spec.renewTime !== first ? l : undefined;
        }, { timeoutMs: 60000, intervalMs: 1000 });
        expect(renewed.spec.leaseDurationSeconds).toBe(40);
    } finally {
        await cp.stop();
    }
});
