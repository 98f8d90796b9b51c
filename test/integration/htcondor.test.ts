/**
 * The real HTCondor bindings and dask-jobqueue read what the htcondor module renders (with the
 * session file the dask-sessions hooks write). No HTCondor daemons run here: htcondor2
 * parses config and submit descriptions without them, and dask-jobqueue's job class renders
 * the submit description without submitting.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { renderDaskSessionSettings } from "../../components/dask-sessions";
import { condorEnvironment, planPool, renderDaskTlsYaml, renderJobqueueYaml } from "../../components/htcondor";
import { DASK_VERSIONS } from "../../components/images";
import { opensslMakeCa } from "../helpers/openssl";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
// stderr is captured (Dask logs each scheduler's start at INFO); a failing driver's error carries it.
const runPy = (script: string, arg: object) =>
    JSON.parse(execFileSync(python, [path.join(root, "test", "python", script), JSON.stringify(arg)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));

const plan = planPool("campus", {
    mode: "external", facility: "af", collector: "cm.example.edu:9618", schedd: { host: "ap.example.edu", name: "ap1@ap.example.edu" },
    trustDomain: "example.edu", tokens: { source: "provided" }, requireAccountingGroup: true,
    groups: [{ name: "cms", accountingGroup: "group_cms", token: "t", worker: { cores: 2, memoryMiB: 8192, diskMiB: 2048 } }],
});
const group = plan.groups[0];
const sessionSettings = renderDaskSessionSettings({
    domain: "af.example.edu", entrypoint: "dask", routeLabels: { "hepaf.io/traefik": "edge" },
    groups: [{ name: "cms", namespace: "af-cms" }, { name: "atlas", namespace: "af-atlas" }],
});

describe("rendered client files, read by the real software", () => {
    let dir: string;
    let seen: any;
    const contact = "tls://alice-3bc5106297.dask.af.example.edu:8786";
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-htcondor-"));
        fs.mkdirSync(path.join(dir, "dask"));
        fs.writeFileSync(path.join(dir, "condor_config"), group.condorConfig);
        fs.writeFileSync(path.join(dir, "dask", "jobqueue.yaml"), renderJobqueueYaml(group.jobqueue));
        fs.writeFileSync(path.join(dir, "dask", "tls.yaml"), renderDaskTlsYaml());
        seen = runPy("htcondor_client_check.py", {
            root: dir, module: path.join(root, "components", "dask-sessions"), values: { daskSessions: sessionSettings }, escaped: "alice-3bc5106297",
            knobs: ["CONDOR_HOST", "COLLECTOR_HOST", "SCHEDD_HOST", "TRUST_DOMAIN", "UID_DOMAIN", "SEC_DEFAULT_AUTHENTICATION_METHODS",
                "SEC_CLIENT_AUTHENTICATION_METHODS", "SEC_TOKEN_DIRECTORY", "SEC_DEFAULT_ENCRYPTION", "SEC_DEFAULT_INTEGRITY"],
        });
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("htcondor2 reads back every knob of the condor_config", () => {
        expect(seen.params).toEqual({
            CONDOR_HOST: "cm.example.edu:9618",
            COLLECTOR_HOST: "cm.example.edu:9618",
            SCHEDD_HOST: "ap1@ap.example.edu",
            TRUST_DOMAIN: "example.edu",
            UID_DOMAIN: "example.edu",
            SEC_DEFAULT_AUTHENTICATION_METHODS: "IDTOKENS",
            SEC_CLIENT_AUTHENTICATION_METHODS: "IDTOKENS",
            SEC_TOKEN_DIRECTORY: "/var/run/hepaf/condor/tokens.d",
            SEC_DEFAULT_ENCRYPTION: "REQUIRED",
            SEC_DEFAULT_INTEGRITY: "REQUIRED",
        });
    });

    test("Dask sees the jobqueue and TLS config, with the contact address the hub sets", () => {
        expect(seen.schedulerOptions).toEqual({ protocol: "tls", host: "0.0.0.0", port: 8786, dashboard_address: ":8787", contact_address: contact });
        expect(seen.requireEncryption).toBe(true);
        expect(seen.tls["ca-file"]).toBe("/etc/hepaf/dask-tls/ca.crt");
        expect(seen.tls.worker).toEqual({ cert: "/etc/hepaf/dask-tls/tls.crt", key: "/etc/hepaf/dask-tls/tls.key" });
        expect(seen.submitCommand.trim()).toBe("condor_submit -name ap1@ap.example.edu -spool");
        expect(seen.cancelCommand.trim()).toBe("condor_rm -name ap1@ap.example.edu");
    });

    test("htcondor2.Submit parses dask-jobqueue's submit description: TLS files and the launcher travel, worker dials the SNI address", () => {
        const s = seen.submit;
        expect(s.transfer_input_files).toBe("/etc/hepaf/dask-tls/ca.crt,/etc/hepaf/dask-tls/tls.crt,/etc/hepaf/dask-tls/tls.key,/etc/hepaf/condor-job/hepaf_batch_worker.py");
        expect(s.should_transfer_files).toBe("YES");
        expect(s.accounting_group).toBe("group_cms");
        expect(s["MY.DaskWorkerCores"]).toBe("2");
        expect(s["MY.DaskWorkerMemory"]).toBe(String(8192 * 1024 * 1024));
        expect(s["MY.DaskWorkerDisk"]).toBe(String(2048 * 1024 * 1024));
        const args: string = s.Arguments;
        expect(args).toContain(`python3 -m hepaf_batch_worker ${contact} `);
        // The launcher's settings, the facility's Dask among them, in the job's environment.
        expect(s.environment).toBe(condorEnvironment({ HEPAF_BATCH_WORKER: JSON.stringify({ advertise: "node", dask: DASK_VERSIONS }) }));
        expect(args).toContain("--protocol tls --tls-ca-file ca.crt --tls-cert tls.crt --tls-key tls.key");
        // Each file the worker names is transferred (by base name) into its sandbox.
        for (const f of ["ca.crt", "tls.crt", "tls.key"]) {
            expect(s.transfer_input_files.split(",").map((p: string) => path.basename(p))).toContain(f);
        }
    });
});

test("a real Dask scheduler with the rendered options and the issued certificate gives workers the SNI address", () => {
    const ca = opensslMakeCa("af cms intermediate CA");
    const contact = "tls://alice-3bc5106297.dask.af.example.edu:8786";
    const out = runPy("dask_scheduler_check.py", {
        module: path.join(root, "components", "dask-sessions"), caCert: ca.certPem, caKey: ca.keyPem,
        host: "alice-3bc5106297.dask.af.example.edu", schedulerOptions: { ...group.jobqueue["scheduler-options"], contact_address: contact },
    });
    expect(out.workerTarget).toBe(contact);
    expect(out.address).toMatch(/^tls:\/\//);
});

void parse;
