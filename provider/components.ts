/** What the package exposes to other languages: each component, its args type and its outputs. */

/** The package name: resource tokens are `hepaf:index:<Component>`. */
export const PACKAGE = "hepaf";

/** One exposed component: the class, its args interface, and the members that are its outputs. */
export interface ComponentEntry {
    className: string;
    argsType: string;
    outputs: string[];
    /** The start of the names of its args' anonymous types (`Facility` + `Traefik`). */
    typePrefix: string;
}

export const COMPONENTS: ComponentEntry[] = [
    {
        className: "AnalysisFacility",
        argsType: "AnalysisFacilityArgs",
        typePrefix: "Facility",
        outputs: ["hubUrl", "daskEndpoint", "rootCaCertPem", "gatewayAddresses", "daskAccessUrl"],
    },
];
