export * from "./args";
export * from "./plan";
export * from "./cert-manager";
export * from "./acme";
export * from "./acme-certificate";
