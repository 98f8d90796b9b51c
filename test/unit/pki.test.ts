import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { errorOf, setupMocks, settled, valueOf } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, validateAll } from "../helpers/k8s-schema";
import { opensslMakeCa, opensslSelfSignedLeaf, opensslText, opensslVerify } from "../helpers/openssl";
import { basicConstraints } from "../helpers/tls-double";

const mocks = setupMocks();
import { CertificateAuthority, rotationEpoch } from "../../components";

beforeEach(() => mocks.reset());

describe("CertificateAuthority: root -> intermediate -> leaf, signed for real", () => {
    test("the chain verifies and each level has the right constraints, SANs and usages", async () => {
        const root = new CertificateAuthority("root", { subject: { organization: "Example AF" } });
        const cms = root.intermediate("cms");
        const server = cms.issue("edge", { dnsNames: ["af.example.edu", "*.dask.af.example.edu"], ipAddresses: ["203.0.113.10"], usages: ["server"] });
        const client = cms.issue("alice", { usages: ["client"], subject: { commonName: "alice" } });

        const [rootPem, interPem, serverPem, clientPem, chain] = await Promise.all([
            valueOf(root.certPem), valueOf(cms.certPem), valueOf(server.certPem), valueOf(client.certPem), valueOf(server.caPem),
        ]);
        expect(opensslVerify(rootPem, serverPem, interPem, "sslserver")).toEqual({ ok: true, output: expect.stringContaining("OK") });
        expect(opensslVerify(rootPem, clientPem, interPem, "sslclient").ok).toBe(true);
        // A server certificate is not a client certificate and vice versa.
        expect(opensslVerify(rootPem, serverPem, interPem, "sslclient").ok).toBe(false);
        expect(opensslVerify(rootPem, clientPem, interPem, "sslserver").ok).toBe(false);
        // Without the intermediate nothing verifies.
        expect(opensslVerify(rootPem, serverPem).ok).toBe(false);
        expect(chain).toBe(interPem + rootPem);

        const rootText = opensslText(rootPem);
        expect(rootText).toMatch(/CA:TRUE, pathlen:1/);
        expect(rootText).toMatch(/Certificate Sign, CRL Sign/);
        expect(rootText).toMatch(/ASN1 OID: secp384r1/);
        expect(rootText).toMatch(/O = Example AF, CN = root root CA/);
        // The intermediate's own certificate has no path length: the tls provider cannot write pathlen:0.
        const interText = opensslText(interPem);
        expect(interText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
        expect(interText).not.toMatch(/pathlen/);
        const serverText = opensslText(serverPem);
        expect(serverText).toMatch(/CA:FALSE/);
        expect(serverText).toMatch(/DNS:af.example.edu, DNS:\*.dask.af.example.edu, IP Address:203.0.113.10/);
        expect(serverText).toMatch(/TLS Web Server Authentication/);
        expect(serverText).not.toMatch(/TLS Web Client Authentication/);
        expect(serverText).not.toMatch(/Key Encipherment/); // ECDSA keys only sign
        expect(opensslText(clientPem)).toMatch(/TLS Web Client Authentication/);
    });

    test("under the default root (pathlen:1) a CA signed by an intermediate does not verify", async () => {
        const root = new CertificateAuthority("root2");
        const inter = root.intermediate("atlas");
        // A CA made below the intermediate: two intermediates where the root allows one.
        const sub = new (require("../../components").IntermediateCertificateAuthority)("sub", { parent: inter });
        const leaf = sub.issue("leaf", { dnsNames: ["x.example.org"], usages: ["server"] });
        const [rootPem, interPem, subPem, leafPem] = await Promise.all([
            valueOf(root.certPem), valueOf(inter.certPem), valueOf(sub.certPem), valueOf(leaf.certPem),
        ]);
        const result = opensslVerify(rootPem, leafPem, interPem + subPem);
        expect(result.ok).toBe(false);
        expect(result.output).toMatch(/path length constraint exceeded/);
    });

    test("it is the root's path length that bounds the chain: the intermediate carries none of its own", async () => {
        // A root that allows two levels: a CA below the intermediate then verifies.
        const root = new CertificateAuthority("root3", { maxPathLength: 2 });
        const inter = root.intermediate("lhcb");
        const sub = new (require("../../components").IntermediateCertificateAuthority)("sub3", { parent: inter });
        const leaf = sub.issue("leaf3", { dnsNames: ["y.example.org"], usages: ["server"] });
        const [rootPem, interPem, subPem, leafPem] = await Promise.all([
            valueOf(root.certPem), valueOf(inter.certPem), valueOf(sub.certPem), valueOf(leaf.certPem),
        ]);
        expect(opensslText(rootPem)).toMatch(/CA:TRUE, pathlen:2/);
        expect(opensslVerify(rootPem, leafPem, interPem + subPem, "sslserver").ok).toBe(true);
    });

    test("path length: 0 is refused naming the argument (the provider would write no constraint); \"none\" is a root without one", async () => {
        expect(errorOf(() => new CertificateAuthority("zero", { maxPathLength: 0 }))).toBe(
            'zero.maxPathLength: 0 cannot be written: the tls provider writes no path-length constraint for 0 (Go\'s MaxPathLen = 0 without MaxPathLenZero); give 1 or more, or "none"',
        );
        expect(errorOf(() => new CertificateAuthority("neg", { maxPathLength: -1 }))).toBe('neg.maxPathLength: -1 must be an integer >= 1 or "none"');
        expect(errorOf(() => new CertificateAuthority("frac", { maxPathLength: 1.5 }))).toBe('frac.maxPathLength: 1.5 must be an integer >= 1 or "none"');
        await settled();
        expect(mocks.resources).toHaveLength(0);

        const open = new CertificateAuthority("open", { maxPathLength: "none" });
        const text = opensslText(await valueOf(open.certPem));
        expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
        expect(text).not.toMatch(/pathlen/);
        // The provider is asked for 0, which it turns into no constraint (and which stacks made before "none" hold).
        expect(mocks.named("open-cert").inputs.maxPathLength).toBe(0);
    });

    test("RSA keys are allowed and server RSA keys may encipher", async () => {
        const root = new CertificateAuthority("rsa-root", { key: { algorithm: "RSA", rsaBits: 2048 } });
        const leaf = root.issue("rsa-leaf", { dnsNames: ["hub.example.org"], usages: ["server", "client"], key: { algorithm: "RSA", rsaBits: 2048 } });
        const [rootPem, leafPem] = await Promise.all([valueOf(root.certPem), valueOf(leaf.certPem)]);
        expect(opensslText(rootPem)).toMatch(/Public-Key: \(2048 bit\)/);
        const text = opensslText(leafPem);
        expect(text).toMatch(/Digital Signature, Key Encipherment/);
        expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
        expect(opensslVerify(rootPem, leafPem).ok).toBe(true);
    });

    test("private keys are Pulumi secrets", async () => {
        const root = new CertificateAuthority("secret-root");
        const leaf = root.issue("leaf", { usages: ["client"] });
        expect(await pulumi.isSecret(root.privateKeyPem)).toBe(true);
        expect(await pulumi.isSecret(leaf.privateKeyPem)).toBe(true);
        expect(await pulumi.isSecret(root.certPem)).toBe(false);
    });
});

describe("imported CA", () => {
    test("issues leaves that chain to the imported certificate", async () => {
        const existing = opensslMakeCa("Site CA");
        const ca = new CertificateAuthority("site", { import: { certPem: existing.certPem, keyPem: pulumi.secret(existing.keyPem) } });
        const leaf = ca.issue("hub", { dnsNames: ["hub.example.org"], usages: ["server"] });
        expect(opensslVerify(existing.certPem, await valueOf(leaf.certPem), undefined, "sslserver").ok).toBe(true);
        expect(await valueOf(ca.certPem)).toBe(existing.certPem);
    });

    test("a key that does not match the certificate is refused, naming the argument", () => {
        const a = opensslMakeCa("A");
        const b = opensslMakeCa("B");
        const message = errorOf(() => new CertificateAuthority("bad", { import: { certPem: a.certPem, keyPem: b.keyPem } }));
        expect(message).toBe("bad.import.keyPem: does not match the imported certificate (its public key differs)");
        expect(message).not.toMatch(/PRIVATE KEY/);
    });

    test("a certificate that is not a CA, or not PEM, is refused", () => {
        const root = opensslMakeCa("R");
        const notPem = errorOf(() => new CertificateAuthority("np", { import: { certPem: "hello", keyPem: root.keyPem } }));
        expect(notPem).toMatch(/^np.import.certPem: is not a PEM X.509 certificate/);
        const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
        const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
        const leaf = opensslSelfSignedLeaf(keyPem);
        expect(errorOf(() => new CertificateAuthority("leafca", { import: { certPem: leaf, keyPem } }))).toMatch(
            /^leafca.import.certPem: is not a CA certificate/,
        );
    });
});

describe("validity and rotation", () => {
    test("a leaf valid beyond its issuer is refused, naming the argument", () => {
        const root = new CertificateAuthority("short-root", { validityDays: 100, renewBeforeDays: 10 });
        expect(errorOf(() => root.issue("too-long", { usages: ["server"], dnsNames: ["a.example.org"], validityDays: 365 }))).toBe(
            "too-long.validityDays: 365 days is beyond the issuer's validity of 100 days; choose at most that",
        );
        expect(errorOf(() => root.intermediate("inter", { validityDays: 101 }))).toMatch(/^inter.validityDays: 101 days is beyond/);
    });

    test("an imported CA's remaining validity bounds its leaves", () => {
        const existing = opensslMakeCa("Short", 30);
        const ca = new CertificateAuthority("short-import", { import: { certPem: existing.certPem, keyPem: existing.keyPem } });
        expect(errorOf(() => ca.issue("long", { usages: ["client"], validityDays: 60 }))).toMatch(/^long.validityDays: 60 days is beyond the issuer's validity of 29\.\d+ days/);
    });

    test("renewBefore must be shorter than the validity", () => {
        expect(errorOf(() => new CertificateAuthority("r", { validityDays: 10, renewBeforeDays: 10 }))).toBe(
            "r.renewBeforeDays: 10 must be > 0 and less than validityDays (10)",
        );
    });

    test("the rotation epoch replaces every certificate at least renewBefore ahead of expiry", () => {
        const validity = { validityHours: 365 * 24, renewBeforeHours: 30 * 24 };
        const hour = 3600_000;
        const start = Date.UTC(2026, 0, 1);
        // Walk a certificate through three years of hourly `pulumi up`s.
        let createdAt = start;
        let epoch = rotationEpoch(validity, createdAt);
        let replacements = 0;
        for (let t = start; t < start + 3 * 365 * 24 * hour; t += hour) {
            const now = rotationEpoch(validity, t);
            if (now !== epoch) {
                // Replaced now: it must still have at least renewBefore left.
                expect(createdAt + validity.validityHours * hour - t).toBeGreaterThanOrEqual(validity.renewBeforeHours * hour);
                createdAt = t;
                epoch = now;
                replacements++;
            }
            // Never used past expiry minus renewBefore.
            expect(t - createdAt).toBeLessThanOrEqual((validity.validityHours - validity.renewBeforeHours) * hour);
        }
        expect(replacements).toBe(3);
        // Two `up`s a minute apart inside an epoch change nothing.
        expect(rotationEpoch(validity, start + 10 * hour)).toBe(rotationEpoch(validity, start + 10 * hour + 60_000));
    });
});

describe("publishing to Kubernetes", () => {
    test("key pairs become kubernetes.io/tls Secrets; trust bundles hold certificates only", async () => {
        const root = new CertificateAuthority("pub-root");
        const group = root.intermediate("pub-cms");
        const leaf = group.issue("pub-leaf", { dnsNames: ["scheduler.example.org"], usages: ["server", "client"] });
        leaf.toSecret({ namespace: "af-cms", name: "scheduler-tls" });
        group.toSecret({ namespace: "af-cms", name: "cms-ca" });
        group.trustBundle({ namespace: "af-cms", name: "cms-trust" });
        root.trustBundle({ namespace: "af", name: "root-trust" });
        await settled();
        const objects = k8sObjects(mocks.resources);
        validateAll(objects, new CrdValidator([]));

        const secret = objects.find((o) => o.metadata.name === "scheduler-tls")!;
        expect(secret.type).toBe("kubernetes.io/tls");
        const data = secret.stringData as Record<string, string>;
        expect(data["tls.crt"]).toBe(await valueOf(leaf.certPem));
        expect(data["tls.key"]).toMatch(/PRIVATE KEY/);
        expect(data["ca.crt"]).toBe((await valueOf(group.certPem)) + (await valueOf(root.certPem)));

        for (const cm of objects.filter((o) => o.kind === "ConfigMap")) {
            expect(JSON.stringify(cm)).not.toMatch(/PRIVATE KEY/);
        }
        const bundle = objects.find((o) => o.metadata.name === "cms-trust")!;
        expect((bundle.data as any)["ca.crt"]).toBe((await valueOf(group.certPem)) + (await valueOf(root.certPem)));
        expect(bundle.metadata.labels["app.kubernetes.io/part-of"]).toBe("hepaf");
    });

    test("bad names are refused before anything is published", () => {
        const root = new CertificateAuthority("names-root");
        expect(errorOf(() => root.trustBundle({ namespace: "Bad_NS", name: "x" }))).toMatch(/namespace: "Bad_NS" is not a valid DNS label/);
    });
});

describe("bad leaf input", () => {
    test("invalid SANs, usages and keys name the argument", () => {
        const root = new CertificateAuthority("bad-root");
        expect(errorOf(() => root.issue("l1", { usages: ["server"], dnsNames: ["under_score.example.org"] }))).toBe(
            'l1.dnsNames[0]: "under_score.example.org" is not a valid DNS name (a wildcard may only be a leading "*.")',
        );
        expect(errorOf(() => root.issue("l2", { usages: ["server"], ipAddresses: ["300.1.1.1"] }))).toBe(
            'l2.ipAddresses[0]: "300.1.1.1" is not a valid IPv4 or IPv6 address',
        );
        expect(errorOf(() => root.issue("l3", { usages: [] }))).toMatch(/^l3.usages: give at least one usage/);
        expect(errorOf(() => root.issue("l4", { usages: ["peer" as any] }))).toBe('l4.usages[0]: "peer" is not valid; use one of "server", "client"');
        expect(errorOf(() => root.issue("l5", { usages: ["client"], key: { algorithm: "DSA" as any } }))).toBe(
            'l5.key.algorithm: "DSA" is not valid; use one of "ECDSA", "RSA"',
        );
    });

    test("nothing is registered for a rejected leaf", async () => {
        const root = new CertificateAuthority("clean-root");
        await settled();
        const before = mocks.resources.length;
        errorOf(() => root.issue("rejected", { usages: ["server"], dnsNames: ["-bad.example.org"] }));
        await settled();
        expect(mocks.resources.length).toBe(before);
    });
});

describe("the tls double writes what the provider writes", () => {
    test("Basic Constraints: Go's MaxPathLen without MaxPathLenZero, so 0 writes no path length", () => {
        expect(basicConstraints({ isCaCertificate: true, maxPathLength: 0 })).toBe("critical,CA:TRUE");
        expect(basicConstraints({ isCaCertificate: true })).toBe("critical,CA:TRUE");
        expect(basicConstraints({ isCaCertificate: true, maxPathLength: 1 })).toBe("critical,CA:TRUE,pathlen:1");
        expect(basicConstraints({ isCaCertificate: false, maxPathLength: 3 })).toBe("critical,CA:FALSE");
    });

    test("key identifiers and digest as Go writes them", async () => {
        const root = new CertificateAuthority("ids-root");
        const leaf = root.issue("ids-leaf", { dnsNames: ["ids.example.org"], usages: ["server"] });
        const rootText = opensslText(await valueOf(root.certPem));
        const leafText = opensslText(await valueOf(leaf.certPem));
        // A self-signed root: its own key identifier, no authority key identifier; SHA-384 for a P-384 key.
        expect(rootText).toMatch(/Subject Key Identifier/);
        expect(rootText).not.toMatch(/Authority Key Identifier/);
        expect(rootText).toMatch(/Signature Algorithm: ecdsa-with-SHA384/);
        // A locally signed leaf names its issuer's key.
        const rootSki = rootText.match(/Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/)![1];
        expect(leafText).toMatch(new RegExp(`Authority Key Identifier:\\s*\\n\\s*(keyid:)?${rootSki}`));
    });
});
