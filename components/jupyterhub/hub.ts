import * as k8s from "@pulumi/kubernetes";
import { createHash } from "crypto";
import { JupyterHubArgs } from "./args";
import { daskSessionRbac, DASK_SESSIONS_MODULE, daskSessionsModuleText } from "../dask-sessions";
import { declareGrants, SINGLE_REPLICA_READINESS, SCRAPE_JOBS, SCRAPE_LABEL, withDependsOn } from "../common";
import { hubConfigText, HUB_CONFIG_FILE } from "./config-file";
import { HubContext } from "./context";
import { spawnerRules } from "./rbac";
import { HubSecrets, SECRET_KEYS } from "./secrets";
import { serviceTokenEnv, serviceTokenKey, SITE_SECRET_ENV, SITE_SECRET_KEYS } from "./secret-names";
import { keeperProgramText, keeperRules, keeperSpecText, KEEPER_PROGRAM, KEEPER_SPEC_FILE } from "../kept-secrets";
import { HUB_CONFIG_DIR, HUB_DATA_DIR, renderHubValues, HUB_SECRET_DIR, HUB_SECRETS_FILE, HUB_VALUES_FILE, valuesFileText } from "./values";

/** Private address ranges (RFC 1918, RFC 4193): where the proxies in front of the hub live. */
export const PRIVATE_NETWORKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

const DEFAULT_RESOURCES = { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };

/** The values file text the component mounts (exported for the integration test: same function). */
export function hubValuesText(ctx: Pick<HubContext, "plan">, args: Pick<JupyterHubArgs, "databaseUrl" | "daskSessions" | "groups" | "login">): string {
    // Made in the cluster, the plan has checked these are plain strings: they are not secret.
    const clusterSecrets =
        ctx.plan.secrets.madeBy === "cluster"
            ? {
                  clientId: args.login.type === "dummy" ? undefined : (args.login.clientId as string),
                  groupEnv: Object.fromEntries(args.groups.map((g) => [g.name, (g.env ?? {}) as Record<string, string>])),
              }
            : undefined;
    return valuesFileText(renderHubValues(ctx.plan, { externalDatabase: usesExternalDatabase(ctx.plan, args), daskSessions: args.daskSessions, clusterSecrets }));
}

/** Whether the hub's database is an external one (a URL of the program's, or of the site's Secret), not sqlite on a PVC. */
function usesExternalDatabase(plan: HubContext["plan"], args: Pick<JupyterHubArgs, "databaseUrl">): boolean {
    return args.databaseUrl !== undefined || (plan.secrets.madeBy === "cluster" && plan.secrets.siteDatabase);
}

/**
 * Declares the hub: ServiceAccount, its grants in the group namespaces, config, database, Deployment,
 * Service. Objects name each other by the names in the plan, never by another object's output
 * (see withDependsOn), so a config change updates the Deployment instead of replacing it.
 */
export function declareHub(ctx: HubContext, args: JupyterHubArgs, secrets: HubSecrets): { deployment: k8s.apps.v1.Deployment; service: k8s.core.v1.Service } {
    const { plan } = ctx;
    const n = plan.names;
    const meta = (name: string, component = "hub") => ({ name, namespace: plan.namespace, labels: ctx.labels(component) });

    const sa = new k8s.core.v1.ServiceAccount(`${plan.name}-hub-sa`, { metadata: meta(n.hub), automountServiceAccountToken: true }, ctx.inNs);
    const sessionRules = args.daskSessions ? daskSessionRbac(args.daskSessions) : [];
    // One ClusterRole per distinct rule set, bound in each group namespace only.
    declareGrants(
        {
            roleBase: `hepaf-${plan.namespace}-${n.spawnerRole}`,
            bindingName: n.spawnerRole,
            subject: { kind: "ServiceAccount", name: n.hub, namespace: plan.namespace },
            labels: (ns) => ctx.labels("rbac", plan.groups.find((g) => g.namespace === ns)?.name),
            roleResourceName: `${plan.name}-hub-role`,
            roleOptions: ctx.inNs,
            bindingResourceName: (ns) => `${plan.name}-hub-rolebinding-${plan.groups.find((g) => g.namespace === ns)!.name}`,
            bindingOptions: (ns) => ctx.inGroupNs(plan.groups.find((g) => g.namespace === ns)!.name),
            dependsOn: [sa],
        },
        plan.groups.map((g) => {
            const sessions = sessionRules.filter((r) => r.namespace === g.namespace).flatMap((r) => r.rules);
            if (sessions.length > 0) return { namespace: g.namespace, rules: [...spawnerRules(false), ...sessions], variant: "sessions" };
            const htcondor = sessionRules.length === 0 && (args.htcondorSessions ?? false);
            return { namespace: g.namespace, rules: spawnerRules(htcondor), ...(htcondor ? { variant: "htcondor" } : {}) };
        }),
    );

    // Secrets made in the cluster: the keeper, run before the hub, may write them where they live.
    const keeperBindings =
        secrets.madeBy === "cluster"
            ? declareGrants(
                  {
                      roleBase: `hepaf-${plan.namespace}-${n.hub}-keeper`,
                      bindingName: `${n.hub}-keeper`,
                      subject: { kind: "ServiceAccount", name: n.hub, namespace: plan.namespace },
                      labels: () => ctx.labels("rbac"),
                      roleResourceName: `${plan.name}-hub-keeper-role`,
                      roleOptions: ctx.inNs,
                      bindingResourceName: (ns) => `${plan.name}-hub-keeper-rolebinding-${ns}`,
                      bindingOptions: (ns) => {
                          const group = plan.groups.find((g) => g.namespace === ns);
                          return group ? ctx.inGroupNs(group.name) : ctx.inNs;
                      },
                      dependsOn: [sa],
                  },
                  // A role of its own per namespace: each names the Secrets kept there.
                  keeperRules(secrets.keeper).map((g) => ({ ...g, variant: g.namespace })),
              )
            : [];
    const externalDatabase = usesExternalDatabase(plan, args);
    const values = hubValuesText(ctx, args);
    const configPy = hubConfigText();
    const modules: Record<string, string> = {
        ...(args.daskSessions ? { [DASK_SESSIONS_MODULE]: daskSessionsModuleText() } : {}),
        ...(secrets.madeBy === "cluster" ? { [KEEPER_PROGRAM]: keeperProgramText(), [KEEPER_SPEC_FILE]: keeperSpecText(secrets.keeper) } : {}),
    };
    const config = new k8s.core.v1.ConfigMap(
        `${plan.name}-hub-config`,
        { metadata: meta(n.config), data: { [HUB_CONFIG_FILE]: configPy, [HUB_VALUES_FILE]: values, ...modules } },
        ctx.inNs,
    );
    const database = externalDatabase
        ? undefined
        : new k8s.core.v1.PersistentVolumeClaim(
              `${plan.name}-hub-db`,
              {
                  metadata: meta(n.database),
                  spec: {
                      accessModes: ["ReadWriteOnce"],
                      storageClassName: args.databaseStorageClass,
                      resources: { requests: { storage: args.databaseCapacity ?? "1Gi" } },
                  },
              },
              ctx.inNs,
          );

    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: n.secret, key } } });
    const kept = plan.secrets.madeBy === "cluster" ? plan.secrets : undefined;
    const fromSite = (name: string, key: string, optional: boolean) =>
        kept?.siteSecret === undefined ? [] : [{ name, valueFrom: { secretKeyRef: { name: kept.siteSecret, key, optional } } }];
    // Made in the cluster, every secret reaches the hub in its environment: the keeper makes the
    // hub's Secret after the pod's volumes are mounted, but before its container's environment is read.
    const secretEnv = kept
        ? [
              ...plan.services.map((s) => fromSecret(serviceTokenEnv(s.name), serviceTokenKey(s.name))),
              ...fromSite(SITE_SECRET_ENV.clientSecret, SITE_SECRET_KEYS.clientSecret, plan.login.type === "dummy"),
              ...fromSite(SITE_SECRET_ENV.dummyPassword, SITE_SECRET_KEYS.dummyPassword, true),
              ...(kept.siteDatabase ? fromSite(SITE_SECRET_ENV.databaseUrl, SITE_SECRET_KEYS.databaseUrl, false) : []),
          ]
        : [{ name: "HEPAF_HUB_SECRETS", value: `${HUB_SECRET_DIR}/${HUB_SECRETS_FILE}` }];
    const hubSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
    const initContainers = kept
        ? [
              {
                  name: "keeper",
                  image: plan.images.hub,
                  command: ["python3", `${HUB_CONFIG_DIR}/${KEEPER_PROGRAM}`],
                  env: [{ name: "HEPAF_KEEPER_SPEC", value: `${HUB_CONFIG_DIR}/${KEEPER_SPEC_FILE}` }, { name: "PYTHONUNBUFFERED", value: "1" }],
                  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
                  securityContext: hubSecurity,
                  volumeMounts: [{ name: "config", mountPath: HUB_CONFIG_DIR, readOnly: true }],
              },
          ]
        : [];
    const probe = { httpGet: { path: "/hub/health", port: "http" }, periodSeconds: 10, timeoutSeconds: 3 };
    const deployment = new k8s.apps.v1.Deployment(
        `${plan.name}-hub`,
        {
            metadata: meta(n.hub),
            spec: {
                replicas: 1,
                // One hub at a time: sqlite on a ReadWriteOnce volume, and JupyterHub is not HA.
                strategy: { type: "Recreate" },
                selector: { matchLabels: ctx.selector("hub") },
                template: {
                    metadata: {
                        labels: ctx.labels("hub"),
                        // Restart the hub when its (non-secret) configuration changes.
                        annotations: { "hepaf.io/config-sha256": createHash("sha256").update(configPy).update(values).update(Object.values(modules).join("")).digest("hex") },
                    },
                    spec: {
                        serviceAccountName: n.hub,
                        securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                        initContainers,
                        containers: [
                            {
                                name: "hub",
                                image: plan.images.hub,
                                command: ["jupyterhub", "--config", `${HUB_CONFIG_DIR}/${HUB_CONFIG_FILE}`, "--upgrade-db"],
                                ports: [{ name: "http", containerPort: plan.hubPort, protocol: "TCP" }],
                                env: [
                                    { name: "HEPAF_HUB_VALUES", value: `${HUB_CONFIG_DIR}/${HUB_VALUES_FILE}` },
                                    ...secretEnv,
                                    { name: "PYTHONUNBUFFERED", value: "1" },
                                    // Requests reach the hub through proxies (Traefik's replicas, then the
                                    // proxy), so the address it sees is a proxy's, and with several replicas
                                    // it changes between the login page and the login form's POST: the
                                    // anonymous XSRF token would then not match (seen with real Traefik).
                                    { name: "JUPYTERHUB_XSRF_ANONYMOUS_IP_CIDRS", value: PRIVATE_NETWORKS.join(";") },
                                    fromSecret("JPY_COOKIE_SECRET", SECRET_KEYS.cookieSecret),
                                    fromSecret("JUPYTERHUB_CRYPT_KEY", SECRET_KEYS.cryptKey),
                                    fromSecret("CONFIGPROXY_AUTH_TOKEN", SECRET_KEYS.proxyToken),
                                ],
                                resources: args.hubResources ?? DEFAULT_RESOURCES,
                                readinessProbe: { ...probe, ...SINGLE_REPLICA_READINESS },
                                livenessProbe: { ...probe, initialDelaySeconds: 60, failureThreshold: 30 },
                                securityContext: hubSecurity,
                                volumeMounts: [
                                    { name: "config", mountPath: HUB_CONFIG_DIR, readOnly: true },
                                    ...(kept ? [] : [{ name: "secret", mountPath: HUB_SECRET_DIR, readOnly: true }]),
                                    { name: "data", mountPath: HUB_DATA_DIR },
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "config", configMap: { name: n.config } },
                            ...(kept ? [] : [{ name: "secret", secret: { secretName: n.secret, items: [{ key: SECRET_KEYS.secretsFile, path: HUB_SECRETS_FILE }], defaultMode: 0o400 } }]),
                            database ? { name: "data", persistentVolumeClaim: { claimName: n.database } } : { name: "data", emptyDir: {} },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
            },
        },
        withDependsOn(ctx.inNs, sa, config, ...(secrets.madeBy === "program" ? [secrets.secret] : keeperBindings), ...(database ? [database] : [])),
    );
    const service = new k8s.core.v1.Service(
        `${plan.name}-hub-service`,
        {
            // The scrape label: /hub/metrics on this Service's port (see the monitoring component).
            metadata: { ...meta(n.hubService), labels: { ...ctx.labels("hub"), [SCRAPE_LABEL]: SCRAPE_JOBS.hub } },
            spec: { type: "ClusterIP", selector: ctx.selector("hub"), ports: [{ name: "http", port: plan.hubPort, targetPort: "http", protocol: "TCP" }] },
        },
        ctx.inNs,
    );
    return { deployment, service };
}
