#!/usr/bin/env node
// Counts a stack's resources the way `pulumi up` does ("+ N created", "N unchanged"), from the
// state `pulumi stack export` prints on stdin, and names what the state holds beyond that: the
// engine keeps its default providers (one per package used without an explicit provider) in the
// state and in `pulumi stack`'s "Current stack resources (N)", but does not count them in its
// summary. The stack itself and explicit providers it does count.
// Prints one phrase for scripts/up.sh's last line, e.g.
//   168 resources as pulumi up counts them; the state also holds 2 default providers: random, tls

/** A default provider's URN: type pulumi:providers:<package>, name "default" or "default_<version>". */
function defaultProviderPackage(urn) {
    const parts = urn.split("::");
    const name = parts[parts.length - 1];
    const type = parts[parts.length - 2].split("$").pop();
    if (!type.startsWith("pulumi:providers:")) return undefined;
    return name === "default" || name.startsWith("default_") ? type.slice("pulumi:providers:".length) : undefined;
}

/** The engine's count and the default providers' packages, from `pulumi stack export`'s JSON. */
function countResources(exported) {
    // Resources pending deletion (left by a failed replacement) are not the stack's.
    const resources = ((exported.deployment || {}).resources || []).filter((r) => !r.delete);
    const defaults = resources.map((r) => defaultProviderPackage(r.urn)).filter((p) => p !== undefined).sort();
    return { counted: resources.length - defaults.length, state: resources.length, defaultProviders: defaults };
}

function describe({ counted, defaultProviders }) {
    const extra = defaultProviders.length === 0
        ? ""
        : `; the state also holds ${defaultProviders.length} default provider${defaultProviders.length === 1 ? "" : "s"}: ${defaultProviders.join(", ")}`;
    return `${counted} resources as pulumi up counts them${extra}`;
}

module.exports = { countResources, defaultProviderPackage, describe };

if (require.main === module) {
    let input = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (d) => (input += d));
    process.stdin.on("end", () => {
        try {
            console.log(describe(countResources(JSON.parse(input))));
        } catch (e) {
            console.error(`stack-count: not a stack export: ${e.message}`);
            process.exit(1);
        }
    });
}
