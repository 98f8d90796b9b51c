/**
 * The package's provider: the engine asks it to construct `hepaf:index:<Component>`, and it
 * builds the same component the TypeScript API builds, from the inputs as the engine delivers
 * them. The components check every plain argument before they declare anything, so each
 * property the schema marks `plain` is resolved here first: a known value (wrapped in an Output
 * because it carries a dependency or came through another resource) is taken as its value; an
 * unknown one (at preview, from a resource not made yet) is refused, naming the property. A
 * property the schema leaves an input (`pulumi.Input<T>` in the TypeScript args: secrets, keys,
 * tokens) is passed as it came, secret and dependencies kept.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import { AnalysisFacility } from "../components/facility";
import { CertificateAuthority } from "../components/pki";
import { Traefik } from "../components/traefik";
import { JupyterHub } from "../components/jupyterhub";
import { DaskGateway } from "../components/dask-gateway";
import { HTCondorPool } from "../components/htcondor";
import { InvalidArgumentError } from "../components/common/errors";
import { ComponentEntry, COMPONENTS, PACKAGE } from "./components";
import { tsName } from "./names";
import type { ComplexTypeSpec, ObjectTypeSpec, PropertySpec, TypeSpec } from "./schema-types";

/** The schema committed in `provider/` (regenerated and compared by the tests), from the source or the built file. */
export const SCHEMA_PATH = [path.join(__dirname, "schema.json"), path.join(__dirname, "..", "..", "provider", "schema.json")].find((f) => fs.existsSync(f)) ?? path.join(__dirname, "schema.json");

type Constructor = (new (name: string, args: any, opts?: pulumi.ComponentResourceOptions) => pulumi.ComponentResource) & { __pulumiType: string };
/** The class of each exposed component (provider/components.ts lists them by name). */
const CLASSES: Record<string, Constructor> = { AnalysisFacility, CertificateAuthority, Traefik, JupyterHub, DaskGateway, HTCondorPool };


export interface PackageSchema {
    name: string;
    version: string;
    resources: Record<string, { inputProperties: Record<string, PropertySpec>; requiredInputs?: string[] }>;
    types: Record<string, ComplexTypeSpec>;
}

export function readSchema(file = SCHEMA_PATH): PackageSchema {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

async function settled(o: pulumi.Output<unknown>): Promise<{ known: boolean; value: unknown; secret: boolean }> {
    const internal = o as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown>; isSecret: Promise<boolean> };
    return { known: await internal.isKnown, value: await internal.promise(), secret: await internal.isSecret };
}

/**
 * `value` as the component takes it, at `where` (a dotted path) of a property of schema `spec`:
 * plain parts resolved, input parts as they came.
 */
export async function asComponentInput(value: unknown, spec: TypeSpec, types: Record<string, ComplexTypeSpec>, where: string, inSecret = false): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        if (!spec.plain) return value;
        const s = await settled(value);
        if (!s.known) throw new InvalidArgumentError(where, "must be known when the program runs: it is plain in the schema, and this value comes from a resource not made yet (unknown at preview)");
        // A secret object or list: an SDK that sends no output values (Python's, to a monitor
        // without them) marks the whole top-level property secret for one secret inside it. Its
        // input parts stay secret; a plain scalar cannot be one.
        const composite = s.value !== null && typeof s.value === "object";
        if (s.secret && !composite) throw new InvalidArgumentError(where, "cannot be a secret: it is plain in the schema (give secrets only to the properties that take inputs: passwords, client secrets, keys, tokens)");
        return asComponentInput(s.value, spec, types, where, inSecret || s.secret);
    }
    if (value === undefined || value === null) return undefined;
    if (!spec.plain) return inSecret ? pulumi.secret(value) : value;
    if (spec.$ref?.startsWith("#/types/")) {
        const t = types[spec.$ref.slice("#/types/".length)];
        if (!t) throw new Error(`${where}: the schema has no type ${spec.$ref}`);
        if (t.type === "object") return objectInput(value, t, types, where, inSecret);
        return value;
    }
    if (spec.type === "array" && Array.isArray(value)) return Promise.all(value.map((v, i) => asComponentInput(v, spec.items!, types, `${where}[${i}]`, inSecret)));
    if (spec.type === "object" && spec.additionalProperties && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = await asComponentInput(v, spec.additionalProperties, types, `${where}.${k}`, inSecret);
        return out;
    }
    if (spec.oneOf) {
        const member = unionMember(value, spec, types);
        return member ? asComponentInput(value, { ...member, plain: spec.plain }, types, where, inSecret) : deepResolve(value, where, spec.plain ?? false);
    }
    if (spec.$ref === "pulumi.json#/Any") return spec.plain ? deepResolve(value, where, true) : value;
    return value;
}

/** The member of a `oneOf` that `value` is: by the discriminator, else the only object member, else the scalar one its JS type matches. */
function unionMember(value: unknown, spec: TypeSpec, types: Record<string, ComplexTypeSpec>): TypeSpec | undefined {
    if (spec.discriminator && value && typeof value === "object") {
        const tag = (value as Record<string, unknown>)[spec.discriminator.propertyName];
        const ref = typeof tag === "string" ? spec.discriminator.mapping[tag] : undefined;
        return ref ? { $ref: ref } : undefined;
    }
    const members = spec.oneOf!;
    if (typeof value === "object") {
        const objects = members.filter((m) => m.$ref && types[m.$ref.slice("#/types/".length)]?.type === "object");
        return objects.length === 1 ? objects[0] : undefined;
    }
    return members.find((m) => m.type === typeof value || (m.$ref && types[m.$ref.slice("#/types/".length)]?.type === typeof value));
}

async function objectInput(value: unknown, t: ObjectTypeSpec, types: Record<string, ComplexTypeSpec>, where: string, inSecret: boolean): Promise<unknown> {
    if (typeof value !== "object" || Array.isArray(value)) return value; // the component names what is wrong
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const p = t.properties[k];
        const at = where ? `${where}.${tsName(k)}` : tsName(k);
        out[tsName(k)] = p ? await asComponentInput(v, p, types, at, inSecret) : v;
    }
    return out;
}

/** Every Output inside `value` resolved (a part the schema cannot describe in detail). */
async function deepResolve(value: unknown, where: string, plain: boolean): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) return asComponentInput(value, { plain }, {}, where);
    if (Array.isArray(value)) return Promise.all(value.map((v, i) => deepResolve(v, `${where}[${i}]`, plain)));
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await deepResolve(v, `${where}.${k}`, plain);
        return out;
    }
    return value;
}

/** The component's args from the engine's inputs: each property by its schema. */
export async function componentArgs(schema: PackageSchema, type: string, inputs: pulumi.Inputs): Promise<Record<string, unknown>> {
    const res = schema.resources[type];
    if (!res) throw new Error(`${PACKAGE}: no component ${type} (the package has ${Object.keys(schema.resources).join(", ")})`);
    // The inputs are an object of the resource's input properties, at the root of every path.
    return (await objectInput(inputs, { type: "object", properties: res.inputProperties }, schema.types, "", false)) as Record<string, unknown>;
}

export class HepafProvider implements provider.Provider {
    readonly version: string;
    private readonly parsed: PackageSchema;
    private readonly schemaText: string;
    /** The exposed components by their token (the type each class registers). */
    private readonly components: Map<string, { entry: ComponentEntry; cls: Constructor }>;

    constructor(schemaFile = SCHEMA_PATH) {
        this.schemaText = fs.readFileSync(schemaFile, "utf8");
        this.parsed = JSON.parse(this.schemaText);
        this.version = this.parsed.version;
        const missing = COMPONENTS.filter((c) => !CLASSES[c.className] || !this.parsed.resources[CLASSES[c.className].__pulumiType]).map((c) => c.className);
        if (missing.length) throw new Error(`${PACKAGE}: the provider has no class or no schema for ${missing.join(", ")} (run npm run schema)`);
        this.components = new Map(COMPONENTS.map((entry) => [CLASSES[entry.className].__pulumiType, { entry, cls: CLASSES[entry.className] }]));
    }

    async getSchema(): Promise<string> {
        return this.schemaText;
    }

    async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
        const found = this.components.get(type);
        if (!found) throw new Error(`${PACKAGE}: no component ${type} (the package has ${[...this.components.keys()].join(", ")})`);
        const { entry, cls } = found;
        const args = await componentArgs(this.parsed, type, inputs);
        const component = new cls(name, args, options) as unknown as Record<string, unknown> & pulumi.ComponentResource;
        const state: Record<string, unknown> = {};
        for (const key of entry.outputs) if (component[key] !== undefined) state[key] = component[key];
        return { urn: component.urn, state };
    }
}
