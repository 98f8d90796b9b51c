/** The dask-sessions component: the hooks' settings and the RBAC they need (pure functions). */
import { errorOf } from "../helpers/pulumi";
import { daskSessionRbac, renderDaskSessionSettings } from "../../components";

describe("hub session settings and RBAC", () => {
    test("renders settings and least-privilege rules", () => {
        const settings = renderDaskSessionSettings({
            domain: "af.example.edu", entrypoint: "dask", routeLabels: { "hepaf.io/traefik": "edge" },
            groups: [{ name: "cms", namespace: "af-cms" }],
        });
        expect(settings).toMatchObject({
            daskPort: 8786, contactAddressTemplate: "tls://{user}.dask.af.example.edu:8786",
            sessionConfigDir: "/etc/hepaf/dask-session", sessionConfigFile: "session.yaml",
            groups: { cms: { namespace: "af-cms", caSecret: "hepaf-group-ca-keypair" } },
        });
        const [role] = daskSessionRbac(settings);
        expect(role.namespace).toBe("af-cms");
        expect(role.rules).toContainEqual({ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["hepaf-group-ca-keypair"] });
        expect(role.rules.flatMap((r) => r.verbs).filter((v) => !["create", "delete", "get"].includes(v))).toEqual([]);
        expect(role.rules.filter((r) => r.resources.includes("secrets") && r.verbs.includes("get")).every((r) => r.resourceNames !== undefined)).toBe(true);
        expect(errorOf(() => renderDaskSessionSettings({ domain: "x y", entrypoint: "dask", groups: [] }))).toBe('daskSessions.domain: "x y" is not a valid DNS name');
    });
});

describe("session dashboards through the front door", () => {
    const dashboards = { pathPrefix: "/services/dask/sessions", entrypoint: "websecure", middlewares: ["hepaf-dask-sign-in", "hepaf-dask-session-prefix"] };
    test("settings carry where a session's dashboard is and its link; the hub may then make HTTP routes too", () => {
        const settings = renderDaskSessionSettings({ domain: "af.example.edu", entrypoint: "dask", groups: [{ name: "cms", namespace: "af-cms" }], dashboards });
        expect(settings.dashboards).toEqual({ host: "af.example.edu", ...dashboards, linkTemplate: "https://af.example.edu/services/dask/sessions/{user}/status" });
        expect(daskSessionRbac(settings)[0].rules).toContainEqual({ apiGroups: ["traefik.io"], resources: ["ingressroutetcps", "ingressroutes"], verbs: ["create", "delete", "get"] });
        // Without dashboards: no link, and no HTTP routes for the hub.
        const plain = renderDaskSessionSettings({ domain: "af.example.edu", entrypoint: "dask", groups: [{ name: "cms", namespace: "af-cms" }] });
        expect(plain.dashboards).toBeNull();
        expect(daskSessionRbac(plain)[0].rules.flatMap((r) => r.resources)).not.toContain("ingressroutes");
    });

    test.each([
        [{ ...dashboards, pathPrefix: "services/dask" }, 'daskSessions.dashboards.pathPrefix: "services/dask" is not a path prefix such as "/services/dask/sessions" (starts with \'/\', no trailing \'/\')'],
        [{ ...dashboards, pathPrefix: "/services/dask/" }, 'daskSessions.dashboards.pathPrefix: "/services/dask/" is not a path prefix'],
        [{ ...dashboards, middlewares: ["Sign In"] }, 'daskSessions.dashboards.middlewares[0]: "Sign In" is not a valid DNS label'],
    ])("refuses %o naming the key", (d, message) => {
        expect(errorOf(() => renderDaskSessionSettings({ domain: "af.example.edu", entrypoint: "dask", groups: [{ name: "cms", namespace: "af-cms" }], dashboards: d }))).toContain(message);
    });
});
