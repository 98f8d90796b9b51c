/** hepaf: Pulumi components for an interactive analysis facility for high-energy physics. */
export * from "./common";
export * from "./facility";
export * from "./pki";
export * from "./traefik";
export * from "./dask-gateway";
export * from "./jupyterhub";
export * from "./htcondor";
export * from "./notebook-dask";
export * from "./dask-sessions";
export * from "./images";
export * from "./monitoring";
export * from "./https";
export * from "./kept-secrets";
