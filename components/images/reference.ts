import { check } from "../common/errors";

/**
 * Container image references, checked against the grammar of the OCI distribution reference
 * (the one container runtimes and registries parse):
 *
 *     reference  := name [ ":" tag ] [ "@" digest ]
 *     name       := [ domain "/" ] path
 *     domain     := host [ ":" port ]           host: dot-separated DNS components, or "localhost"
 *     path       := component ( "/" component )*
 *     component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *     tag        := [\w][\w.-]{0,127}
 *     digest     := "sha256:" 64 lower-case hex digits
 *
 * The first part of a name is its domain when it holds a '.' or a ':' or is `localhost`
 * (otherwise it is the first path component, as `library` in `library/busybox`), and a name is
 * at most 255 characters. Written here rather than taken from a package: it is a handful of
 * regular expressions from one specification, the messages must name the argument, and the
 * npm packages that parse references are small, little-used ones that would add a dependency
 * for no extra safety.
 */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const DOMAIN_COMPONENT = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])";
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const NAME_MAX = 255;

/** What a valid reference is, as error messages say it. */
export const IMAGE_REFERENCE_RULE =
    "an image reference [domain/]path[:tag][@sha256:<64 hex digits>]: path components of lower-case letters and digits joined by '.', '_', '__' or '-', " +
    "a tag of letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-'), e.g. \"registry.example.edu/hepaf/notebook:0.1.0\"";

/** What a valid registry prefix is, as error messages say it. */
export const REGISTRY_RULE =
    "a registry and path prefix such as \"registry.example.edu/hepaf\" (an image name without tag or digest: [domain/]path, lower-case path components)";

/** The parts of an image reference. */
export interface ImageReference {
    /** Registry host (and port), when the reference names one. */
    domain?: string;
    /** Repository path, e.g. `hepaf/notebook`. */
    path: string;
    /** Tag, when given. */
    tag?: string;
    /** Digest (`sha256:...`), when given. */
    digest?: string;
}

function splitName(name: string): { domain?: string; path: string } | undefined {
    if (name.length === 0 || name.length > NAME_MAX) return undefined;
    const slash = name.indexOf("/");
    const first = slash < 0 ? "" : name.slice(0, slash);
    const hasDomain = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    const domain = hasDomain ? first : undefined;
    const path = hasDomain ? name.slice(slash + 1) : name;
    if (domain !== undefined && !DOMAIN.test(domain)) return undefined;
    if (!PATH.test(path)) return undefined;
    return { domain, path };
}

/** The parts of `value`, or undefined when it is not a valid image reference. */
export function parseImageReference(value: unknown): ImageReference | undefined {
    if (typeof value !== "string") return undefined;
    let rest = value;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!DIGEST.test(digest)) return undefined;
    }
    let tag: string | undefined;
    // A tag follows the last ':' after the last '/' (a ':' before it belongs to the domain's port).
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        if (!TAG.test(tag)) return undefined;
    }
    const name = splitName(rest);
    if (name === undefined) return undefined;
    return { ...name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** True when `value` is a valid image reference. */
export function isImageReference(value: unknown): value is string {
    return parseImageReference(value) !== undefined;
}

/** Asserts `value` is a valid image reference, naming `argument` and the grammar in the error. */
export function requireImageReference(value: unknown, argument: string): asserts value is string {
    check(isImageReference(value), argument, `${JSON.stringify(value)} is not valid: use ${IMAGE_REFERENCE_RULE}`);
}

/** True when `value` is a valid registry prefix: what `<value>/<role>:<tag>` is a valid reference for (an image name, no tag, no digest). */
export function isRegistryPrefix(value: unknown): value is string {
    return typeof value === "string" && !value.includes("@") && isImageReference(`${value.replace(/\/+$/, "")}/hub:0`);
}

/** Asserts `value` is a valid registry prefix, naming `argument` in the error. */
export function requireRegistryPrefix(value: unknown, argument: string): asserts value is string {
    check(isRegistryPrefix(value), argument, `${JSON.stringify(value)} is not valid: use ${REGISTRY_RULE}`);
}

/** `reference` with its tag (and any digest) replaced by `tag`; `argument` names the tag in the error. */
export function withTag(reference: string, tag: string, argument = "tag"): string {
    const parsed = parseImageReference(reference);
    check(parsed !== undefined, argument, `cannot retag ${JSON.stringify(reference)}: use ${IMAGE_REFERENCE_RULE}`);
    check(TAG.test(tag), argument, `${JSON.stringify(tag)} is not a valid image tag (letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-')`);
    return `${parsed.domain !== undefined ? `${parsed.domain}/` : ""}${parsed.path}:${tag}`;
}
