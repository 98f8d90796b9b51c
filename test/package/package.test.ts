/**
 * The npm package as another site uses it: build, pack, install the tarball into a fresh
 * project, and type-check a program that imports the components from "hepaf".
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HEPAF_VERSION, resolveImages } from "../../components/images";

const root = path.join(__dirname, "..", "..");
function run(cmd: string, args: string[], cwd: string): string {
    try {
        return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
}

test("another project installs the packed package and type-checks against it", () => {
    run("npm", ["run", "build", "--silent"], root);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-consumer-"));
    try {
        const tarball = run("npm", ["pack", "--silent", "--pack-destination", dir], root).trim().split("\n").pop()!;
        const listing = run("tar", ["-tzf", path.join(dir, tarball)], dir);
        expect(listing).toContain("package/dist/components/index.d.ts");
        // The image catalogue ships with the Dask versions file it reads.
        expect(listing).toContain("package/dist/components/images/dask-versions.json");
        expect(listing).not.toMatch(/package\/test\//);
        expect(listing).not.toMatch(/package\/dist\/test\//);

        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "site-af", version: "1.0.0", private: true }));
        run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(dir, tarball), "typescript@~5.9", "@types/node@20"], dir);
        fs.writeFileSync(
            path.join(dir, "index.ts"),
            [
                'import { CertificateAuthority, SniRoute, Traefik } from "hepaf";',
                'const ca = new CertificateAuthority("root", { subject: { organization: "Site" }, validityDays: 3650 });',
                'const cms = ca.intermediate("cms", { validityDays: 1825 });',
                'const cert = cms.issue("edge", { dnsNames: ["af.example.edu"], usages: ["server"] });',
                'const traefik = new Traefik("edge", { namespace: "af", watchNamespaces: ["af-cms"], daskPort: 8786, defaultCertificate: cert });',
                'new SniRoute("alice", { namespace: "af-cms", host: "alice.dask.af.example.edu", service: { name: "dask-alice", port: 8786 }, entrypoint: traefik.entrypoints.dask, labels: traefik.routeLabels });',
                "export const dask: string = traefik.entrypoints.dask;",
                'import { FacilityImagesArgs, resolveImages } from "hepaf";',
                'const site: FacilityImagesArgs = { registry: "registry.example.edu/hepaf" };',
                "export const hubImage: string = resolveImages(site).hub;",
                "",
            ].join("\n"),
        );
        fs.writeFileSync(
            path.join(dir, "tsconfig.json"),
            JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", target: "ES2022", esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ["node"] }, files: ["index.ts"] }),
        );
        run(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], dir);
        // The installed package resolves images at run time as the repository does.
        const resolved = JSON.parse(run(process.execPath, ["-e", 'console.log(JSON.stringify(require("hepaf").resolveImages({ registry: "registry.example.edu/hepaf" })))'], dir));
        expect(resolved).toEqual(resolveImages({ registry: "registry.example.edu/hepaf" }));
        expect(resolved.notebook).toBe(`registry.example.edu/hepaf/notebook:${HEPAF_VERSION}`);

        // A type error in the consumer is caught: the types really come from the package.
        fs.writeFileSync(path.join(dir, "bad.ts"), 'import { Traefik } from "hepaf";\nnew Traefik("x", { namespace: 42 });\n');
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", skipLibCheck: true, noEmit: true, types: ["node"] }, files: ["bad.ts"] }));
        expect(() => run(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], dir)).toThrow(/not assignable to type 'string'/);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
