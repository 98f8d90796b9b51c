/**
 * The package schema, read off the components' own TypeScript types by the TypeScript checker:
 * each exposed component's args interface becomes its input properties, every interface or
 * alias it reaches a named type (`Args` dropped from the name, so Python's generated classes
 * are `GroupArgs`, not `GroupArgsArgs`), every union of string literals an enum, a union of
 * objects told apart by a literal property a `oneOf` with that discriminator, and each
 * property's JSDoc its description. `pulumi.Input<T>` stays an input; every other property is
 * `plain` (the components validate it before they declare anything, so it must be known).
 *
 * Written here rather than taken from `@pulumi/pulumi/provider/experimental`'s analyzer, which
 * refuses string-literal unions, `Omit`/`Pick`, inline object types and union aliases, all of
 * which the components' args use; the checker resolves them all, so the TypeScript types stay
 * the one description of every argument.
 */
import * as ts from "typescript";
import { COMPONENTS, ComponentEntry, PACKAGE } from "./components";
import { tsName, wireName } from "./names";
import type { ComplexTypeSpec, EnumTypeSpec, ObjectTypeSpec, PropertySpec, TypeSpec } from "./schema-types";

/** Why a type cannot be in the schema, naming where it was met. */
export class SchemaError extends Error {}

const ANY: TypeSpec = { $ref: "pulumi.json#/Any" };

/** A type as a property, an array's items or a map's values: `plain` unless it holds a `pulumi.Input`. */
function plainUnlessInput(t: { spec: TypeSpec; input: boolean }): TypeSpec {
    return t.input ? t.spec : { ...t.spec, plain: true };
}

function pascal(s: string): string {
    return s.replace(/(^|[-_ .])([a-zA-Z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());
}

/** The schema name of a named TypeScript type: its own name without a trailing `Args`. */
export function typeName(name: string): string {
    return name.endsWith("Args") && name !== "Args" ? name.slice(0, -4) : name;
}

/** A member name for a string enum value ("in-cluster" -> "InCluster", "RSA" -> "RSA"). */
export function enumMemberName(value: string): string {
    const n = pascal(value.replace(/[^A-Za-z0-9]+/g, " ").trim().replace(/ /g, "-"));
    return /^[0-9]/.test(n) ? `V${n}` : n || "Empty";
}

/** The text of a symbol's JSDoc, `{@link X}` written as `X`. */
function docText(checker: ts.TypeChecker, sym: ts.Symbol | undefined): string | undefined {
    if (!sym) return undefined;
    const parts = sym.getDocumentationComment(checker);
    const text = parts
        .map((p) => (p.kind === "linkName" || p.kind === "linkText" ? p.text : p.kind === "link" ? "" : p.text))
        .join("")
        .replace(/\{@link\s+([^}|\s]+)(?:[|\s][^}]*)?\}/g, "$1")
        .replace(/([^\n])\n(?!\n)/g, "$1 ")
        .trim();
    return text || undefined;
}

export class SchemaBuilder {
    readonly types: Record<string, ComplexTypeSpec> = {};
    /** The name each TypeScript type was registered under (a type reached again keeps its first name). */
    private readonly names = new Map<ts.Type, string>();

    constructor(private readonly checker: ts.TypeChecker) {}

    private token(name: string): string {
        return `${PACKAGE}:index:${name}`;
    }

    private ref(name: string): TypeSpec {
        return { $ref: `#/types/${this.token(name)}` };
    }

    /** The T of an `Output<T>`, `OutputInstance<T>` or `Promise<T>` (an Output of a union is a union of `OutputInstance<T> & Lifted` members); none for other types. */
    private wrapped(t: ts.Type): ts.Type | undefined {
        if (t.aliasSymbol?.getName() === "Output" && t.aliasTypeArguments?.length) return t.aliasTypeArguments[0];
        for (const part of t.isIntersection() ? t.types : [t]) {
            const n = part.getSymbol()?.getName();
            if (n === "Promise" || n === "OutputInstance") return this.checker.getTypeArguments(part as ts.TypeReference)[0];
        }
        return undefined;
    }

    /** Members of a union without `undefined`/`null`, an Output or Promise standing for its T; whether there was one (an Input). */
    private split(type: ts.Type): { members: ts.Type[]; input: boolean } {
        let input = false;
        const members: ts.Type[] = [];
        const visit = (t: ts.Type): void => {
            for (const m of t.isUnion() ? t.types : [t]) {
                if (m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) continue;
                const inner = this.wrapped(m);
                if (inner) {
                    input = true;
                    visit(inner);
                } else if (!members.includes(m)) members.push(m);
            }
        };
        visit(type);
        return { members, input };
    }

    /** The schema of a property's type; `where` names the property for errors and inline type names. */
    spec(type: ts.Type, where: string, hint: string, declaredAlias?: ts.Symbol, doc?: string): { spec: TypeSpec; input: boolean } {
        const { members, input } = this.split(type);
        if (members.length === 0) throw new SchemaError(`${where}: no type the schema can hold`);
        const alias = type.aliasSymbol && !type.aliasTypeArguments?.length ? type.aliasSymbol : declaredAlias;
        const bools = members.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
        const strLits = members.filter((t): t is ts.StringLiteralType => !!(t.flags & ts.TypeFlags.StringLiteral));
        const rest = members.filter((t) => !(t.flags & (ts.TypeFlags.BooleanLiteral | ts.TypeFlags.StringLiteral)));
        const parts: TypeSpec[] = [];
        if (bools.length) parts.push({ type: "boolean" });
        if (strLits.length && rest.some((t) => t.flags & ts.TypeFlags.String)) {
            // "a" | "b" | string: any string.
        } else if (strLits.length) {
            parts.push(this.enumType(strLits.map((t) => t.value), alias ? typeName(alias.getName()) : hint, (alias ? docText(this.checker, alias) : undefined) ?? doc));
        }
        let innerInput = false;
        // Anonymous members of a union of objects are named after the union and their discriminator's value.
        const base = alias ? typeName(alias.getName()) : hint;
        const tag = rest.length > 1 ? this.discriminate(rest) : undefined;
        for (const [i, t] of rest.entries()) {
            const memberHint = rest.length === 1 ? hint : `${base}${pascal(tag ? tag.values[i] : (this.objectName(t) ?? `Option${i}`))}`;
            const one = this.single(t, where, memberHint, rest.length === 1 && !strLits.length ? alias : undefined, doc);
            innerInput ||= one.input;
            parts.push(one.spec);
        }
        if (parts.length === 1) return { spec: parts[0], input: input || innerInput };
        const anyInput = input || innerInput;
        return { spec: this.union(anyInput ? parts : parts.map((p) => ({ ...p, plain: true })), members), input: anyInput };
    }

    /** The name of a named type; none for anonymous ones and instances of generic aliases (`Omit<...>`). */
    private objectName(t: ts.Type): string | undefined {
        const s = t.aliasSymbol && !t.aliasTypeArguments?.length ? t.aliasSymbol : t.aliasSymbol ? undefined : t.getSymbol();
        const n = s?.getName();
        return n && n !== "__type" && n !== "__object" ? typeName(n) : undefined;
    }

    private single(t: ts.Type, where: string, hint: string, alias?: ts.Symbol, doc?: string): { spec: TypeSpec; input: boolean } {
        const c = this.checker;
        if (t.flags & ts.TypeFlags.String) return { spec: { type: "string" }, input: false };
        if (t.flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) return { spec: { type: "number" }, input: false };
        if (t.flags & ts.TypeFlags.Boolean) return { spec: { type: "boolean" }, input: false };
        if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { spec: ANY, input: false };
        if (c.isArrayType(t)) {
            const item = c.getTypeArguments(t as ts.TypeReference)[0];
            const inner = this.spec(item, `${where}[]`, hint, undefined, doc);
            return { spec: { type: "array", items: plainUnlessInput(inner) }, input: inner.input };
        }
        if (t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) {
            // A provider's type (Kubernetes resources and tolerations, a command connection): any value, as that provider takes it; its schema is not loaded.
            // A resource (Pulumi's own class, for `dependsOn`-like arguments) is a reference to it: any value too.
            const sym = t.aliasSymbol ?? t.getSymbol();
            const decl = sym?.declarations?.[0];
            const from = decl?.getSourceFile().fileName ?? "";
            if (/node_modules[\\/]@pulumi[\\/](?!pulumi[\\/])[^\\/]+[\\/]/.test(from)) return { spec: ANY, input: true };
            if (/node_modules[\\/]@pulumi[\\/]pulumi[\\/]/.test(from) && sym!.flags & ts.SymbolFlags.Class) return { spec: ANY, input: true };
            if (t.getCallSignatures().length) throw new SchemaError(`${where}: a function cannot be in the schema`);
            const props = c.getPropertiesOfType(t);
            const index = c.getIndexTypeOfType(t, ts.IndexKind.String);
            if (index && props.length === 0) {
                const inner = this.spec(index, `${where}{}`, hint, undefined, doc);
                return { spec: { type: "object", additionalProperties: plainUnlessInput(inner) }, input: inner.input };
            }
            if (index) throw new SchemaError(`${where}: an object with both named properties and an index signature`);
            const name = alias ? typeName(alias.getName()) : (this.objectName(t) ?? hint);
            return { spec: this.ref(this.objectType(t, name, where, docText(c, alias ?? t.getSymbol()) ?? doc)), input: false };
        }
        throw new SchemaError(`${where}: type ${c.typeToString(t)} has no schema form`);
    }

    private enumType(values: string[], name: string, description?: string, valueDocs: (string | undefined)[] = []): TypeSpec {
        const spec: EnumTypeSpec = {
            type: "string",
            ...(description ? { description } : {}),
            enum: values.map((value, i) => ({ value, name: enumMemberName(value), ...(valueDocs[i] ? { description: valueDocs[i] } : {}) })),
        };
        const have = this.types[this.token(name)];
        // The same choice met again (a component's output of its input's kind) is that enum, described once.
        const choices = (e: ComplexTypeSpec) => JSON.stringify("enum" in e ? e.enum.map((m) => m.value) : e);
        if (have && choices(have) !== choices(spec)) throw new SchemaError(`two enums named ${name}: ${JSON.stringify(have)} and ${JSON.stringify(spec)}`);
        if (!have || (!have.description && spec.description)) this.types[this.token(name)] = spec;
        return this.ref(name);
    }

    /** A union of objects (and strings): `oneOf`, with the literal property that tells them apart. */
    private union(parts: TypeSpec[], members: ts.Type[]): TypeSpec {
        const objects = members.filter((t) => t.flags & ts.TypeFlags.Object && !this.checker.isArrayType(t));
        const spec: TypeSpec = { oneOf: parts };
        const tag = objects.length === parts.length && objects.length > 1 ? this.discriminate(objects) : undefined;
        if (tag) spec.discriminator = { propertyName: tag.key, mapping: Object.fromEntries(tag.values.map((v, i) => [v, parts[i].$ref!])) };
        return spec;
    }

    /** The literal property whose value differs in every object of a union, and those values. */
    private discriminate(objects: ts.Type[]): { key: string; values: string[] } | undefined {
        if (!objects.every((o) => o.flags & ts.TypeFlags.Object && !this.checker.isArrayType(o))) return undefined;
        for (const p of this.checker.getPropertiesOfType(objects[0])) {
            const key = p.getName();
            const values = objects.map((o) => {
                const q = o.getProperty(key);
                const qt = q && this.checker.getNonNullableType(this.checker.getTypeOfSymbol(q));
                return qt && qt.flags & ts.TypeFlags.StringLiteral ? (qt as ts.StringLiteralType).value : undefined;
            });
            if (values.every((v) => v !== undefined) && new Set(values).size === values.length) return { key, values: values as string[] };
        }
        return undefined;
    }

    /** Registers the object type `name` (once) and returns its name. */
    private objectType(t: ts.Type, name: string, where: string, description?: string): string {
        const known = this.names.get(t);
        if (known) return known;
        const token = this.token(name);
        if (this.types[token]) throw new SchemaError(`${where}: two different types would be named ${name}`);
        this.names.set(t, name);
        const spec: ObjectTypeSpec = { type: "object", ...(description ? { description } : {}), properties: {} };
        this.types[token] = spec;
        const { properties, required } = this.properties(t, name, where);
        spec.properties = properties;
        if (required.length) spec.required = required;
        return name;
    }

    /** The type alias a property is declared with (`mode?: PkiMode`), which `| undefined` hides from its type. */
    private declaredAlias(p: ts.Symbol): ts.Symbol | undefined {
        const decl = p.valueDeclaration;
        const node = decl && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) ? decl.type : undefined;
        if (!node || !ts.isTypeReferenceNode(node) || node.typeArguments?.length) return undefined;
        let s = this.checker.getSymbolAtLocation(node.typeName);
        if (s && s.flags & ts.SymbolFlags.Alias) s = this.checker.getAliasedSymbol(s);
        return s && s.flags & ts.SymbolFlags.TypeAlias ? s : undefined;
    }

    /**
     * A component's input properties: its args' properties, or, for a union of args told apart by
     * a literal property (`mode`), every member's merged: that property an enum of the members'
     * values, each other property described with the values it belongs to, required where every
     * member requires it. (A resource's inputs are one object; the component checks the rest.)
     */
    componentInputs(t: ts.Type, owner: string, where: string): { properties: Record<string, PropertySpec>; required: string[] } {
        if (!t.isUnion()) return this.properties(t, owner, where);
        const members = t.types;
        const tag = this.discriminate(members);
        if (!tag) throw new SchemaError(`${where}: a union of args needs a literal property whose value tells its members apart`);
        const each = members.map((m) => this.properties(m, owner, where));
        const tagKey = wireName(tag.key);
        const keys = [...new Set(each.flatMap((e) => Object.keys(e.properties)))];
        const properties: Record<string, PropertySpec> = {};
        const bare = (p: PropertySpec) => JSON.stringify({ ...p, description: undefined });
        for (const key of keys) {
            if (key === tagKey) {
                const doc = `Which kind of ${owner}: ${tag.values.map((v) => `\`${v}\``).join(" or ")}.`;
                const valueDocs = members.map((m) => docText(this.checker, m.aliasSymbol ?? m.getSymbol()));
                properties[key] = { ...this.enumType(tag.values, `${owner}${pascal(key)}`, doc, valueDocs), plain: true, description: doc };
                continue;
            }
            const having = each.flatMap((e, i) => (e.properties[key] ? [{ spec: e.properties[key], value: tag.values[i] }] : []));
            const first = having[0].spec;
            if (having.some((h) => bare(h.spec) !== bare(first))) throw new SchemaError(`${where}.${tsName(key)}: the members of the union give it different types`);
            const docs = [...new Set(having.map((h) => h.spec.description ?? ""))];
            const only = having.length < members.length ? `Only with \`${tag.key}: ${having.map((h) => JSON.stringify(h.value)).join(" | ")}\`. ` : "";
            const description = docs.length > 1 ? having.map((h) => `With \`${tag.key}: ${JSON.stringify(h.value)}\`: ${h.spec.description ?? ""}`).join(" ") : `${only}${docs[0]}`.trim();
            properties[key] = { ...first, ...(description ? { description } : {}) };
        }
        return { properties, required: keys.filter((k) => each.every((e) => e.required.includes(k))) };
    }

    /** The properties of an object type, each with its description, plain unless an Input. */
    properties(t: ts.Type, owner: string, where: string): { properties: Record<string, PropertySpec>; required: string[] } {
        const c = this.checker;
        const properties: Record<string, PropertySpec> = {};
        const required: string[] = [];
        for (const p of c.getPropertiesOfType(t)) {
            const key = wireName(p.getName());
            if (tsName(key) !== p.getName()) throw new SchemaError(`${where}.${p.getName()}: its schema name ${key} would not map back`);
            const pt = c.getTypeOfSymbol(p);
            const nonNull = c.getNonNullableType(pt);
            const at = `${where}.${p.getName()}`;
            const doc = docText(c, p);
            if (nonNull.flags & ts.TypeFlags.StringLiteral) {
                // A literal property (a union's discriminator): a string of that one value.
                properties[key] = { type: "string", const: (nonNull as ts.StringLiteralType).value, plain: true, ...(doc ? { description: doc } : {}) };
            } else {
                const { spec, input } = this.spec(pt, at, `${owner}${pascal(key)}`, this.declaredAlias(p), doc);
                properties[key] = { ...plainUnlessInput({ spec, input }), ...(doc ? { description: doc } : {}) };
            }
            if (!(p.flags & ts.SymbolFlags.Optional)) required.push(key);
        }
        return { properties, required };
    }
}

/**
 * The resource type a component class registers (its static `__pulumiType`), which is its token
 * in the schema: a program in another language then asks for exactly the type the provider's
 * construct registers, and its URN is the one a TypeScript program gets.
 */
function componentToken(checker: ts.TypeChecker, cls: ts.Symbol): string {
    const p = checker.getTypeOfSymbol(cls).getProperty("__pulumiType");
    const t = p && checker.getTypeOfSymbol(p);
    if (!t || !(t.flags & ts.TypeFlags.StringLiteral)) throw new SchemaError(`${cls.getName()} has no static __pulumiType string (the type it registers)`);
    const token = (t as ts.StringLiteralType).value;
    if (!token.startsWith(`${PACKAGE}:`) || token.split(":").length !== 3) throw new SchemaError(`${cls.getName()}.__pulumiType ${token} is not ${PACKAGE}:<module>:<Type>`);
    return token;
}

/** The package schema of the exposed components, from the program rooted at `entry`. */
export function buildSchema(entry: string, components: ComponentEntry[] = COMPONENTS, version = "0.1.0"): Record<string, unknown> {
    const program = ts.createProgram([entry], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true, skipLibCheck: true });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(entry);
    if (!source) throw new SchemaError(`cannot read ${entry}`);
    const exports = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map((s) => [s.getName(), s]));
    const find = (name: string) => {
        const s = exports.get(name);
        if (!s) throw new SchemaError(`${entry} exports no ${name}`);
        return s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    };
    const b = new SchemaBuilder(checker);
    const resources: Record<string, unknown> = {};
    for (const comp of components) {
        const cls = find(comp.className);
        const token = componentToken(checker, cls);
        const args = checker.getDeclaredTypeOfSymbol(find(comp.argsType));
        const inputs = b.componentInputs(args, comp.typePrefix, comp.argsType);
        const instance = checker.getDeclaredTypeOfSymbol(cls);
        const outputs: Record<string, PropertySpec> = {};
        const outRequired: string[] = [];
        for (const key of comp.outputs) {
            const p = instance.getProperty(key);
            if (!p) throw new SchemaError(`${comp.className} has no output ${key}`);
            const { spec } = b.spec(checker.getTypeOfSymbol(p), `${comp.className}.${key}`, `${comp.className}${pascal(key)}`);
            const doc = docText(checker, p);
            outputs[key] = { ...spec, ...(doc ? { description: doc } : {}) };
            if (!(p.flags & ts.SymbolFlags.Optional)) outRequired.push(key);
        }
        resources[token] = {
            isComponent: true,
            description: docText(checker, cls),
            inputProperties: inputs.properties,
            // Empty lists left out, as Pulumi writes a schema back (`pulumi package get-schema`).
            ...(inputs.required.length ? { requiredInputs: inputs.required } : {}),
            properties: outputs,
            ...(outRequired.length ? { required: outRequired } : {}),
        };
    }
    const sortKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    return {
        name: PACKAGE,
        displayName: "hepaf",
        version,
        description: "Pulumi components that deploy an interactive analysis facility for high-energy physics on Kubernetes",
        keywords: ["kubernetes", "jupyterhub", "dask", "htcondor", "category/infrastructure", "kind/component"],
        license: "Apache-2.0",
        language: {
            python: { packageName: "pulumi_hepaf", inputTypes: "classes-and-dicts", respectSchemaVersion: true, pyproject: { enabled: true }, requires: { "pulumi": ">=3.248.0,<4.0.0" } },
        },
        resources: sortKeys(resources),
        types: sortKeys(b.types),
    };
}
