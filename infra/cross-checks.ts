/**
 * Checks across keys of a stack config that already fits the schema: names that must be unique
 * (with both indexes), names that must refer to something declared, and the secrets that the
 * chosen settings need. Each problem is one line naming the key; no secret value is shown.
 */
import { stackKey } from "./schema-errors";
import { nearest } from "./suggest";

/** `groups[2].name: "cms" is also the name of groups[0]`, for every repeated name in `items`. */
function duplicateNames(items: readonly { name?: unknown }[] | undefined, path: string, what: string): string[] {
    const firstIndex = new Map<unknown, number>();
    const problems: string[] = [];
    (items ?? []).forEach((item, i) => {
        const seen = firstIndex.get(item?.name);
        if (item?.name !== undefined && seen !== undefined) {
            problems.push(`${stackKey(`${path}[${i}].name`)}: ${what} ${JSON.stringify(item.name)} is also the name of ${stackKey(`${path}[${seen}]`)}`);
        } else {
            firstIndex.set(item?.name, i);
        }
    });
    return problems;
}

const declared = (names: string[]) => (names.length > 0 ? names.map((n) => JSON.stringify(n)).join(", ") : "none");

function unknownName(key: string, name: string, what: string, names: string[]): string {
    const near = nearest(name, names);
    return `${key}: ${JSON.stringify(name)} is not ${what} (declared: ${declared(names)})${near ? `; did you mean ${JSON.stringify(near)}?` : ""}`;
}

/** Every cross-key problem of `raw` (a stack config that fits the schema). */
export function crossCheck(raw: Record<string, any>): string[] {
    const problems: string[] = [];
    const groups: any[] = raw.groups ?? [];
    const pools: Record<string, any> = raw.htcondor?.pools ?? {};
    const poolNames = Object.keys(pools);

    problems.push(...duplicateNames(groups, "groups", "group name"));
    groups.forEach((g, i) => problems.push(...duplicateNames(g.profiles, `groups[${i}].profiles`, "profile name")));

    groups.forEach((g, i) => {
        if (g.htcondor && !(g.htcondor.pool in pools)) {
            problems.push(unknownName(stackKey(`groups[${i}].htcondor.pool`), g.htcondor.pool, "a pool in hepaf:htcondor.pools", poolNames));
        }
    });

    const loginType = raw.hub?.login?.type;
    // Secrets made in the cluster: the client secret is the site's Secret's, never the program's.
    const inCluster = raw.pki?.mode === "cert-manager" || raw.hub?.secrets?.madeBy === "cluster";
    if (inCluster && raw.hubClientSecret) {
        problems.push("hepaf:hubClientSecret is set, but the hub's secrets are made in the cluster (hepaf:pki.mode cert-manager or hepaf:hub.secrets.madeBy cluster): keep it in the site's Secret named by hepaf:hub.secrets.siteSecret (key \"client-secret\") instead");
    } else if ((loginType === "generic-oauth" || loginType === "github") && !inCluster && !raw.hubClientSecret) {
        problems.push(`hepaf:hub.login.type is "${loginType}", so hepaf:hubClientSecret (secret) is required`);
    }
    if (loginType === "dummy" && raw.hubClientSecret) {
        problems.push('hepaf:hubClientSecret is set, but hepaf:hub.login.type "dummy" uses no client secret');
    }
    if (raw.hub?.image !== undefined && raw.images?.hub !== undefined) {
        problems.push("hepaf:hub.image and hepaf:images.hub both name the hub's image: keep one (hepaf:images.hub names every image in one place)");
    }
    if (raw.ca?.import && (!raw.caCertPem || !raw.caKeyPem)) {
        problems.push("hepaf:ca.import is true, so hepaf:caCertPem and hepaf:caKeyPem (secret) are required");
    }
    if (raw.pki?.mode === "cert-manager" && raw.ca?.import) {
        problems.push('hepaf:ca.import is true, but hepaf:pki.mode "cert-manager" makes the facility root in the cluster: leave out one of them');
    }
    if (!raw.ca?.import && (raw.caCertPem || raw.caKeyPem)) {
        problems.push(`${raw.caCertPem ? "hepaf:caCertPem" : "hepaf:caKeyPem"} is set but hepaf:ca.import is not true: set hepaf:ca.import to use that CA`);
    }

    const minting = poolNames.filter((p) => pools[p].mode === "external" && (pools[p].tokens ?? "mint") === "mint");
    const providing = poolNames.filter((p) => pools[p].mode === "external" && pools[p].tokens === "provided");
    for (const p of minting) {
        if (!raw.poolSigningKeys?.[p]) problems.push(`hepaf:poolSigningKeys.${p} (secret) is required: pool "${p}" mints its tokens`);
    }
    for (const p of Object.keys(raw.poolSigningKeys ?? {})) {
        if (!minting.includes(p)) problems.push(unknownName(`hepaf:poolSigningKeys.${p}`, p, "a pool that mints tokens", minting));
    }
    for (const p of providing) {
        groups.forEach((g, i) => {
            if (g.htcondor?.pool === p && !raw.poolTokens?.[p]?.[g.name]) {
                problems.push(`hepaf:poolTokens.${p}.${g.name} (secret) is required: pool "${p}" has provided tokens and ${stackKey(`groups[${i}]`)} submits to it`);
            }
        });
    }
    for (const [p, byGroup] of Object.entries<Record<string, unknown>>(raw.poolTokens ?? {})) {
        if (!providing.includes(p)) {
            problems.push(unknownName(`hepaf:poolTokens.${p}`, p, "a pool with provided tokens", providing));
            continue;
        }
        const users = groups.filter((g) => g.htcondor?.pool === p).map((g) => g.name as string);
        for (const g of Object.keys(byGroup)) {
            if (!users.includes(g)) problems.push(unknownName(`hepaf:poolTokens.${p}.${g}`, g, `a group that submits to pool "${p}"`, users));
        }
    }
    return problems;
}
