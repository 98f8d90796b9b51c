export * from "./crds";
export * from "./entrypoints";
export * from "./rbac";
export * from "./rules";
export * from "./sni-route";
export * from "./static-config";
export * from "./traefik";
export * from "./version";
