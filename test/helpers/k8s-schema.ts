/**
 * Validation of generated Kubernetes objects: built-in kinds against the Kubernetes OpenAPI
 * schemas shipped by `kubernetes-models`, custom resources against their CRD's own
 * `openAPIV3Schema` with ajv.
 */
import Ajv from "ajv";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { Recorded, settled } from "./pulumi";

/** A Kubernetes object as it would be applied. */
export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata?: any;
    [key: string]: unknown;
}

/** True for Pulumi types that are Kubernetes objects (not providers, not components). */
export function isK8sType(type: string): boolean {
    return type.startsWith("kubernetes:") && !type.startsWith("kubernetes:yaml") && type !== "pulumi:providers:kubernetes";
}

/** The Kubernetes objects among recorded resources, as plain objects. */
/** The Kubernetes objects the program has declared once every output has settled. */
export async function settledObjects(recorder: { resources: Recorded[] }): Promise<K8sObject[]> {
    await settled();
    return k8sObjects(recorder.resources);
}

export function k8sObjects(resources: Recorded[]): K8sObject[] {
    return resources.filter((r) => isK8sType(r.type)).map((r) => r.inputs as K8sObject);
}

/** Validates a built-in kind; throws with the failing JSON paths. */
export function validateBuiltin(obj: K8sObject): void {
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
    const modulePath = group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modulePath);
    const Model = mod[obj.kind];
    new Model(obj).validate();
}

/** True when the kind is built into Kubernetes (kubernetes-models knows it). */
export function isBuiltin(obj: K8sObject): boolean {
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
    const modulePath = group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
    try {
        require.resolve(modulePath);
        return true;
    } catch {
        return false;
    }
}

/** A validator for custom resources from CRD documents. */
export class CrdValidator {
    private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    private readonly schemas = new Map<string, object>();

    constructor(crds: any[]) {
        for (const crd of crds) {
            for (const v of crd.spec.versions) {
                this.schemas.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
            }
        }
    }

    /** True when a CRD for the object's kind is known. */
    knows(obj: K8sObject): boolean {
        return this.schemas.has(`${obj.apiVersion}/${obj.kind}`);
    }

    /** Validates the object against its CRD's schema; throws with the errors. */
    validate(obj: K8sObject): void {
        const schema = this.schemas.get(`${obj.apiVersion}/${obj.kind}`);
        if (!schema) {
            throw new Error(`no CRD known for ${obj.apiVersion}/${obj.kind}`);
        }
        const { metadata: _m, ...rest } = obj;
        const check = this.ajv.compile(schema);
        if (!check({ ...rest, metadata: {} })) {
            throw new Error(`${obj.kind} ${obj.metadata?.name}: ${this.ajv.errorsText(check.errors)}`);
        }
    }
}

/** Path of the official Traefik CRD file of the pinned version (downloaded by a script through the Go module proxy). */
export function traefikCrdsFile(): string {
    const script = path.join(__dirname, "..", "..", "scripts", "traefik-crds.sh");
    return execFileSync("bash", [script], { encoding: "utf8" }).trim();
}

/** The official Traefik CRD definitions of the pinned version. */
export function traefikCrds(): any[] {
    return parseAllDocuments(fs.readFileSync(traefikCrdsFile(), "utf8")).map((d) => d.toJSON()).filter(Boolean);
}

/** cert-manager's CRD definitions (Issuer, Certificate, ...) of the release the facility's objects are written for (a script downloads it through the Go module proxy). */
export function certManagerCrds(): any[] {
    const dir = execFileSync("bash", [path.join(__dirname, "..", "..", "scripts", "cert-manager-crds.sh")], { encoding: "utf8" }).trim();
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml"))
        .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJSON()))
        .filter(Boolean);
}

/** Validates every object: built-ins against Kubernetes, custom resources against `crds`. */
export function validateAll(objects: K8sObject[], crds: CrdValidator): void {
    for (const obj of objects) {
        if (isBuiltin(obj)) {
            validateBuiltin(obj);
        } else {
            crds.validate(obj);
        }
    }
}
