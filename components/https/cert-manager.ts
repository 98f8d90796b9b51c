import { CERT_MANAGER_SOLVER_REPOSITORY } from "../images/catalog";

/**
 * cert-manager, as the facility uses it: the site installs it in the cluster (its Helm chart or
 * release manifests); the facility declares only its objects. The version below is the release
 * whose API (`cert-manager.io/v1`, `acme.cert-manager.io/v1`) those objects are written and tested
 * against (its CRDs, through the Go module proxy: `scripts/cert-manager-crds.sh`).
 */
export const CERT_MANAGER_VERSION = "v1.21.2";

/** The image the site's cert-manager starts its HTTP-01 solver pods from (its controller's `--acme-http01-solver-image` default). */
export const CERT_MANAGER_SOLVER_IMAGE = `${CERT_MANAGER_SOLVER_REPOSITORY}:${CERT_MANAGER_VERSION}`;

/** API version of Issuers and Certificates. */
export const CERT_MANAGER_API = "cert-manager.io/v1";

/** Port cert-manager's HTTP-01 solver pod listens on (its `--listen-port`, fixed by the controller). */
export const ACME_SOLVER_PORT = 8089;

/** Label cert-manager puts on every HTTP-01 solver pod it makes. */
export const ACME_SOLVER_LABEL = "acme.cert-manager.io/http01-solver";
