/**
 * What the package exposes to other languages: each component, its args type and its outputs.
 * A component's token in the schema is the type its class registers (its static
 * `__pulumiType`, `hepaf:<concern>:<Class>`), so Python's modules are the concerns
 * (`pulumi_hepaf.facility`, `pulumi_hepaf.pki`, ...) and the types they share are at the top.
 */

/** The package name: resource tokens are `hepaf:<module>:<Component>`, type tokens `hepaf:index:<Type>`. */
export const PACKAGE = "hepaf";

/** One exposed component: the class, its args interface, and the members that are its outputs. */
export interface ComponentEntry {
    className: string;
    argsType: string;
    outputs: string[];
    /** The start of the names of its args' anonymous types (`Traefik` + `Crds` + `File`). */
    typePrefix: string;
}

/**
 * The parts first, then the facility: a type the facility shares with a part is named after the
 * part that declares it (`TraefikCrdsFile`, not `FacilityTraefikCrdsFile`).
 */
export const COMPONENTS: ComponentEntry[] = [
    {
        className: "CertificateAuthority",
        argsType: "CertificateAuthorityArgs",
        typePrefix: "CertificateAuthority",
        outputs: ["certPem", "privateKeyPem", "chainPem", "validityHours"],
    },
    {
        className: "Traefik",
        argsType: "TraefikArgs",
        typePrefix: "Traefik",
        outputs: ["namespace", "entrypoints", "routeLabels", "daskPort", "watchNamespaces", "serviceName", "address", "podLabels"],
    },
    {
        className: "JupyterHub",
        argsType: "JupyterHubArgs",
        typePrefix: "Hub",
        outputs: ["namespace", "publicUrl", "hubApiUrl", "hubServiceName", "proxyServiceName", "groupNamespaces", "serviceRefs"],
    },
    {
        className: "DaskGateway",
        argsType: "DaskGatewayArgs",
        typePrefix: "Gateway",
        outputs: ["namespace", "instance", "labelSelector", "address", "proxyAddress", "publicAddress", "clientEnv"],
    },
    {
        className: "HTCondorPool",
        argsType: "HTCondorPoolArgs",
        typePrefix: "HTCondorPool",
        outputs: ["mode", "collector", "scheddName", "trustDomain"],
    },
    {
        className: "AnalysisFacility",
        argsType: "AnalysisFacilityArgs",
        typePrefix: "Facility",
        outputs: ["hubUrl", "daskEndpoint", "rootCaCertPem", "gatewayAddresses", "daskAccessUrl"],
    },
];
