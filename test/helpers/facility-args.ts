/** Facility args the unit tests of `pki.mode: cert-manager` start from: a dummy login, no CRDs to fetch, the facility's own Prometheus. */
import type { AnalysisFacilityArgs } from "../../components";

export const CERT_MANAGER_FACILITY: AnalysisFacilityArgs = {
    domain: "af.example.org",
    hub: { login: { type: "dummy" }, allowDummy: true },
    groups: [{ name: "cms" }, { name: "opendata" }],
    traefik: { crds: { source: "none" } },
    pki: { mode: "cert-manager" },
    monitoring: { mode: "prometheus" },
};
