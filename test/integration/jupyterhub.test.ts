/**
 * The real JupyterHub 6, KubeSpawner 7 and OAuthenticator 17 (from the project's venv) load the
 * hub's jupyterhub_config.py with the values file the component renders (the same pure
 * functions), and the config's own hooks run on real KubeSpawner objects. No cluster.
 */
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";
import { hubValuesText } from "../../components/jupyterhub/hub";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { builtImage, shippedFile, gatewayApiUrl, hubConfigPath, JupyterHubArgs, planHub, renderDaskSessionSettings, renderHubSecrets, ResolvedHubSecrets } from "../../components";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
const driver = path.join(root, "test", "python", "check_hub_config.py");

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: af}}]
current-context: none
`;

const traefik = { entrypoints: { websecure: "websecure" }, routeLabels: {}, namespace: "af" };
const cmsEnv = {
    DASK_GATEWAY__ADDRESS: gatewayApiUrl("af", "cms"),
    DASK_GATEWAY__PROXY_ADDRESS: "gateway://af.example.edu:8786",
    DASK_GATEWAY__PUBLIC_ADDRESS: "https://af.example.edu/services/dask-gateway-cms/",
    DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
    DASK_LABEXTENSION__FACTORY__MODULE: "dask_gateway",
    DASK_LABEXTENSION__FACTORY__KWARGS: '{"cluster_options": {}}',
};

/** Pod parts for the cms group, as the facility adds the HTCondor client config. */
const cmsPod = {
    volumes: [{ name: "condor-config", configMap: { name: "htcondor-client" } }],
    volumeMounts: [{ name: "condor-config", mountPath: "/etc/condor/config.d" }],
    initContainers: [{ name: "install-tokens", image: "busybox:1.37.0", command: ["sh", "-c", "true"] }],
    env: { CONDOR_CONFIG: "/etc/condor/config.d/condor_config" },
};

function groups(): JupyterHubArgs["groups"] {
    return [
        {
            name: "cms",
            members: { claimValues: ["CMS"], users: ["bob@example.edu"] },
            profiles: [
                { name: "coffea", image: "example/coffea:2026.10", cpuGuarantee: "500m", cpuLimit: "2", memoryGuarantee: "2Gi", memoryLimit: "8Gi", default: true },
                { name: "gpu", image: "example/coffea-gpu:2026.10", gpus: 1, nodeSelector: { "nvidia.com/gpu.present": "true" } },
            ],
            env: cmsEnv,
            pod: cmsPod,
        },
        { name: "atlas", members: { claimValues: ["ATLAS"] }, profiles: [{ name: "default", image: "example/atlas:1", memoryLimit: "4G", cmd: ["start-singleuser.sh", "--debug"] }] },
    ];
}

interface Run {
    out: any;
    values: any;
}

/** Renders values and secrets as the component does, then runs the Python driver on them. */
/** Runs asynchronously: the test's own OIDC issuer must keep answering while Python runs. */
/** With the hub's secrets made in the cluster there is no secrets file: `secretEnv` is what the keeper's and the site's Secrets put in the hub's environment. */
async function runHub(args: JupyterHubArgs, secrets: Omit<ResolvedHubSecrets, "serviceTokens" | "groupEnv">, scenario: object, secretEnv?: Record<string, string>): Promise<Run> {
    const plan = planHub("hub", args);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-hub-"));
    const valuesText = hubValuesText({ plan }, args);
    if (args.daskSessions) {
        // The ConfigMap carries the dask-sessions module beside the values file.
        fs.copyFileSync(shippedFile("dask-sessions", "dask_sessions.py"), path.join(dir, "dask_sessions.py"));
    }
    const serviceTokens = Object.fromEntries(plan.services.map((s) => [s.name, `token-${s.name}`]));
    const groupEnv = Object.fromEntries(args.groups.map((g) => [g.name, (g.env ?? {}) as Record<string, string>]));
    fs.writeFileSync(path.join(dir, "values.json"), valuesText);
    fs.writeFileSync(path.join(dir, "secrets.json"), renderHubSecrets({ ...secrets, serviceTokens, groupEnv }));
    fs.writeFileSync(path.join(dir, "kubeconfig"), KUBECONFIG);
    fs.writeFileSync(path.join(dir, "scenario.json"), JSON.stringify(scenario));
    const { stdout } = await promisify(execFile)(python, [driver, hubConfigPath(), path.join(dir, "scenario.json")], {
        cwd: dir,
        encoding: "utf8",
        env: {
            PATH: process.env.PATH,
            HOME: dir,
            KUBECONFIG: path.join(dir, "kubeconfig"),
            HEPAF_HUB_VALUES: path.join(dir, "values.json"),
            ...(secretEnv ?? { HEPAF_HUB_SECRETS: path.join(dir, "secrets.json") }),
            JPY_COOKIE_SECRET: crypto.randomBytes(32).toString("hex"),
            JUPYTERHUB_CRYPT_KEY: crypto.randomBytes(32).toString("hex"),
            CONFIGPROXY_AUTH_TOKEN: "proxy-token-for-test",
        },
        maxBuffer: 64 * 1024 * 1024,
    }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
    return { out: JSON.parse(stdout), values: JSON.parse(valuesText) };
}

const users = [
    { name: "carol@cms.org", groups: ["cms"], profile: "cms-gpu" },
    { name: "carl@cms.org", groups: ["cms"], profile: null },
    { name: "dave@atlas.org", groups: ["atlas"], profile: null },
    { name: "dave2@atlas.org", groups: ["atlas"], profile: "cms-coffea" },
    { name: "eve@example.org", groups: [], profile: null },
];

describe("jupyterhub_config.py under the real JupyterHub, OAuthenticator and KubeSpawner", () => {
    let server: http.Server;
    let issuer: string;
    beforeAll(async () => {
        // An OIDC issuer serving its discovery document, as CILogon or Keycloak would.
        server = http.createServer((req, res) => {
            if (req.url === "/.well-known/openid-configuration") {
                res.setHeader("content-type", "application/json");
                res.end(JSON.stringify({
                    issuer,
                    authorization_endpoint: `${issuer}/authorize`,
                    token_endpoint: `${issuer}/oauth2/token`,
                    userinfo_endpoint: `${issuer}/oauth2/userinfo`,
                }));
            } else {
                res.statusCode = 404;
                res.end();
            }
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        issuer = `http://127.0.0.1:${(server.address() as any).port}`;
    });
    afterAll(() => server.close());

    test("generic OAuth (OIDC discovery), groups from a claim, per-group profiles and namespaces, services, roles, culler", async () => {
        const { out } = await runHub(
            {
                facility: "af",
                domain: "af.example.edu",
                traefik,
                login: { type: "generic-oauth", issuer, clientId: "cilogon:/client_id/abc", clientSecret: "s3cret", scopes: ["openid", "email", "org.cilogon.userinfo"], groupsClaim: "isMemberOf", loginService: "CILogon" },
                admins: ["alice@example.edu"],
                allowedUsers: ["guest@example.org"],
                groups: groups(),
                services: [
                    { name: "dask-gateway-cms", url: gatewayApiUrl("af", "cms"), group: "cms" },
                    { name: "dask", url: "http://af-dask-access.af.svc.cluster.local:8080", groups: ["cms", "atlas"], skipConfirm: true },
                ],
                culler: { timeoutSeconds: 1800, everySeconds: 300, maxAgeSeconds: 86400 },
                concurrentSpawnLimit: 20,
                namedServerLimit: 2,
                httpTimeoutSeconds: 600,
                storage: { storageClass: "fast", capacity: "20Gi" },
            },
            { clientId: "cilogon:/client_id/abc", clientSecret: "s3cret" },
            {
                users,
                authStates: [{ label: "string-claim", auth_state: { oauth_user: { email: "x@y", isMemberOf: "ATLAS,other" } } }],
                logins: [
                    { label: "carol", userinfo: { email: "carol@cms.org", isMemberOf: ["CMS", "unrelated"] } },
                    { label: "bob", userinfo: { email: "bob@example.edu", isMemberOf: [] } },
                    { label: "alice", userinfo: { email: "alice@example.edu" } },
                    { label: "guest", userinfo: { email: "guest@example.org", isMemberOf: ["nothing"] } },
                    { label: "eve", userinfo: { email: "eve@example.org", isMemberOf: ["unrelated"] } },
                ],
            },
        );
        // Hub and proxy wiring.
        expect(out.hub).toMatchObject({
            hub_bind_url: "http://:8081",
            hub_connect_url: "http://hub-hub.af.svc.cluster.local:8081",
            db_url: "sqlite:////srv/jupyterhub/jupyterhub.sqlite",
            concurrent_spawn_limit: 20,
            allow_named_servers: true,
            named_server_limit_per_user: 2,
            cleanup_servers: false,
            cookie_secret_bytes: 32,
            crypt_keys: 1,
            load_groups: {},
        });
        expect(out.proxy).toEqual({ api_url: "http://hub-proxy-api.af.svc.cluster.local:8001", should_start: false, auth_token_len: "proxy-token-for-test".length });

        // The authenticator, instantiated for real, with discovery-filled endpoints.
        const a = out.authenticator;
        expect(a.class).toBe("oauthenticator.generic.GenericOAuthenticator");
        expect(a).toMatchObject({
            client_id: "cilogon:/client_id/abc",
            client_secret: "s3cret",
            oauth_callback_url: "https://af.example.edu/hub/oauth_callback",
            authorize_url: `${issuer}/authorize`,
            token_url: `${issuer}/oauth2/token`,
            userdata_url: `${issuer}/oauth2/userinfo`,
            scope: ["openid", "email", "org.cilogon.userinfo"],
            username_claim: "email",
            login_service: "CILogon",
            manage_groups: true,
            allowed_groups: ["atlas", "cms"],
            admin_users: ["alice@example.edu"],
            allowed_users: ["guest@example.org"],
            enable_auth_state: true,
        });
        expect(a.groups["string-claim"]).toEqual(["atlas"]);
        expect(a.logins).toEqual({
            carol: { name: "carol@cms.org", groups: ["cms"], admin: null, allowed: true },
            bob: { name: "bob@example.edu", groups: ["cms"], admin: null, allowed: true },
            alice: { name: "alice@example.edu", groups: [], admin: true, allowed: true },
            guest: { name: "guest@example.org", groups: [], admin: null, allowed: true },
            eve: { name: "eve@example.org", groups: [], admin: null, allowed: false },
        });

        // Services, access roles per group, the culler.
        expect(out.hub.services).toEqual([
            { name: "dask-gateway-cms", api_token: "token-dask-gateway-cms", display: true, url: gatewayApiUrl("af", "cms") },
            // A service of the facility's own: signing in to it skips the hub's confirmation page.
            { name: "dask", api_token: "token-dask", display: true, url: "http://af-dask-access.af.svc.cluster.local:8080", oauth_no_confirm: true },
            { name: "idle-culler", command: [expect.stringMatching(/python/), "-m", "jupyterhub_idle_culler", "--timeout=1800", "--cull-every=300", "--max-age=86400"] },
        ]);
        expect(out.hub.load_roles).toEqual([
            expect.objectContaining({ name: "access-dask-gateway-cms", scopes: ["access:services!service=dask-gateway-cms"], groups: ["cms"] }),
            expect.objectContaining({ name: "access-dask", scopes: ["access:services!service=dask"], groups: ["cms", "atlas"] }),
            expect.objectContaining({ name: "idle-culler", scopes: ["list:users", "read:users:activity", "read:servers", "delete:servers"], services: ["idle-culler"] }),
        ]);

        // KubeSpawner: a cms user sees cms profiles only, and the chosen one sets namespace, image, resources, env.
        const carol = out.users["carol@cms.org"];
        expect(carol.pre_spawn_hook).toBe("ok");
        expect(carol.profiles.map((p: any) => p.slug)).toEqual(["cms-coffea", "cms-gpu"]);
        expect(carol.loaded).toEqual({
            namespace: "af-cms",
            image: "example/coffea-gpu:2026.10",
            cpu_guarantee: null,
            cpu_limit: null,
            mem_guarantee: null,
            mem_limit: null,
            node_selector: { "nvidia.com/gpu.present": "true" },
            extra_resource_limits: { "nvidia.com/gpu": "1" },
            extra_labels: { "hepaf.io/facility": "af", "hepaf.io/group": "cms" },
            environment: expect.any(Object),
            expanded_env: { HEPAF_GROUP: "cms", ...cmsEnv, ...cmsPod.env },
            // The single-user server, whatever the image's own CMD: KubeSpawner's pod runs it.
            cmd: ["jupyterhub-singleuser"],
            container: { command: null, args: ["jupyterhub-singleuser"] },
        });
        const carl = out.users["carl@cms.org"];
        expect(carl.loaded).toMatchObject({ namespace: "af-cms", image: "example/coffea:2026.10", cpu_guarantee: 0.5, cpu_limit: 2, mem_guarantee: 2 * 2 ** 30, mem_limit: 8 * 2 ** 30 });
        expect(carl.settings).toMatchObject({
            enable_user_namespaces: false, uid: 1000, fs_gid: 100, start_timeout: 300, http_timeout: 600, default_url: "/lab", cmd: ["jupyterhub-singleuser"], storage_pvc_ensure: true,
            storage_capacity: "20Gi", storage_class: "fast", delete_pvc: false, automount_service_account_token: false,
            // The notebook's token may also open the services its user may (the group's gateway).
            server_token_scopes: ["users:activity!user", "access:servers!server", "access:services"],
            // The group's pod parts come after the home volume, for cms servers only.
            volumes: [{ name: "home", persistentVolumeClaim: { claimName: "{pvc_name}" } }, ...cmsPod.volumes],
            volume_mounts: [{ name: "home", mountPath: "/home/jovyan" }, ...cmsPod.volumeMounts],
            init_containers: cmsPod.initContainers,
        });
        // An atlas user: atlas profile and namespace only; a cms profile is refused by KubeSpawner.
        const dave = out.users["dave@atlas.org"];
        expect(dave.profiles.map((p: any) => p.slug)).toEqual(["atlas-default"]);
        expect(dave.loaded).toMatchObject({ namespace: "af-atlas", image: "example/atlas:1", mem_limit: 4e9, expanded_env: { HEPAF_GROUP: "atlas" } });
        // A profile's own command wins over the hub's.
        expect(dave.loaded).toMatchObject({ cmd: ["start-singleuser.sh", "--debug"], container: { args: ["start-singleuser.sh", "--debug"] } });
        expect(out.users["dave2@atlas.org"].loaded).toMatch(/^error: ValueError: .*cms-coffea/);
        // No group: no profiles, and the pre-spawn hook refuses.
        const eve = out.users["eve@example.org"];
        expect(eve.profiles).toEqual([]);
        expect(eve.pre_spawn_hook).toBe("refused: user eve@example.org is in no group of this facility; ask an admin for access");
    });

    test("GitHub login: teams become groups; no storage; external database; culler off; HTCondor session hooks", async () => {
        const { out } = await runHub(
            {
                facility: "af", domain: "af.example.edu", traefik,
                login: { type: "github", clientId: "gh-id", clientSecret: "gh-secret", allowedOrganizations: ["cms-org"] },
                groups: [{ name: "cms", members: { claimValues: ["cms-org:analysts"] }, profiles: [{ name: "default", image: "example/coffea:1" }] }],
                storage: { type: "none" },
                databaseUrl: "postgresql://hub:pw@db.example:5432/hub",
                culler: { enabled: false },
                daskSessions: renderDaskSessionSettings({ domain: "af.example.edu", entrypoint: "dask", groups: [{ name: "cms", namespace: "af-cms" }] }),
            },
            { clientId: "gh-id", clientSecret: "gh-secret", databaseUrl: "postgresql://hub:pw@db.example:5432/hub" },
            {
                users: [{ name: "gh-user", groups: ["cms"], profile: null }, { name: "nobody", groups: [], profile: null }],
                authStates: [
                    { label: "analyst", auth_state: { github_user: { login: "gh-user" }, teams: [{ slug: "analysts", organization: { login: "cms-org" } }, { slug: "x", organization: { login: "other" } }] } },
                    { label: "outsider", auth_state: { github_user: { login: "o" }, teams: [] } },
                ],
            },
        );
        expect(out.authenticator).toMatchObject({
            class: "oauthenticator.github.GitHubOAuthenticator",
            client_id: "gh-id",
            client_secret: "gh-secret",
            allowed_organizations: ["cms-org"],
            populate_teams_in_auth_state: true,
            manage_groups: true,
            allowed_groups: ["cms"],
        });
        expect(out.authenticator.groups).toEqual({ analyst: ["cms"], outsider: [] });
        expect(out.hub.db_url).toBe("postgresql://hub:pw@db.example:5432/hub");
        expect(out.hub.services).toEqual([]);
        expect(out.hub.load_roles).toEqual([]);
        expect(out.hub.allow_named_servers).toBe(false);
        expect(out.users["gh-user"].settings).toMatchObject({ storage_pvc_ensure: false, volumes: [], volume_mounts: [] });
        expect(out.users["gh-user"].loaded).toMatchObject({ namespace: "af-cms" });
        // HTCondor sessions: the dask-sessions module is imported and its hooks wrap the group check.
        expect(out.users["gh-user"].settings).toMatchObject({ pre_spawn_hook: "spawn_with_dask_session", post_stop_hook: "stop_dask_session", modify_pod_hook: "wire_dask_session" });
        expect(out.users.nobody.pre_spawn_hook).toBe("refused: user nobody is in no group of this facility; ask an admin for access");
    });

    test("secrets made in the cluster: no secrets file; the client secret, the database URL and each service's token from the environment", async () => {
        const { out, values } = await runHub(
            {
                facility: "af", domain: "af.example.edu", traefik,
                login: { type: "github", clientId: "gh-id", allowedOrganizations: ["cms-org"] },
                groups: [{ name: "cms", members: { claimValues: ["cms-org:analysts"] }, profiles: [{ name: "default", image: "example/coffea:1" }], env: { DASK_GATEWAY__ADDRESS: "https://af.example.edu/services/dask-gateway-cms" } }],
                services: [{ name: "dask-gateway-cms", url: gatewayApiUrl("af", "cms"), group: "cms" }],
                secrets: { madeBy: "cluster", siteSecret: "af-site", siteDatabase: true },
            },
            {},
            { users: [{ name: "gh-user", groups: ["cms"], profile: null }] },
            { HEPAF_HUB_CLIENT_SECRET: "site-client-secret", HEPAF_HUB_DATABASE_URL: "postgresql://hub:pw@db.example:5432/hub", HEPAF_SERVICE_TOKEN_DASK_GATEWAY_CMS: "kept-token" },
        );
        expect(values.secrets.from).toBe("environment");
        expect(out.authenticator).toMatchObject({ class: "oauthenticator.github.GitHubOAuthenticator", client_id: "gh-id", client_secret: "site-client-secret" });
        expect(out.hub.db_url).toBe("postgresql://hub:pw@db.example:5432/hub");
        expect(out.hub.services.find((x: any) => x.name === "dask-gateway-cms")).toMatchObject({ api_token: "kept-token" });
        expect(out.users["gh-user"].loaded.environment).toMatchObject({ DASK_GATEWAY__ADDRESS: "https://af.example.edu/services/dask-gateway-cms" });
    });

    test("dummy login (development): groups loaded from the member lists, shared password", async () => {
        const { out } = await runHub(
            {
                facility: "dev", domain: "dev.example.edu", traefik, allowDummy: true,
                login: { type: "dummy", password: "devpass" },
                groups: [{ name: "opendata", members: { users: ["u1", "u2"] }, profiles: [{ name: "default", image: "example/od:1" }, { name: "plain" }] }],
                admins: ["root-user"],
            },
            { dummyPassword: "devpass" },
            { users: [{ name: "u1", groups: ["opendata"], profile: null }, { name: "u2", groups: ["opendata"], profile: "opendata-plain" }] },
        );
        expect(out.authenticator).toMatchObject({
            class: "jupyterhub.auth.DummyAuthenticator",
            password: "devpass",
            admin_users: ["root-user"],
            allowed_users: ["u1", "u2"],
        });
        expect(out.hub.load_groups).toEqual({ opendata: { users: ["u1", "u2"] } });
        expect(out.users.u1.loaded).toMatchObject({ namespace: "dev-opendata", image: "example/od:1" });
        // A profile without an image runs the project's notebook image, with the single-user server.
        expect(out.users.u2.loaded).toMatchObject({ namespace: "dev-opendata", image: builtImage("notebook"), cmd: ["jupyterhub-singleuser"] });
    });
});
