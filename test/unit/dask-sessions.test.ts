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
