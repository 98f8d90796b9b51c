export * from "./args";
export * from "./config-file";
export * from "./jupyterhub";
export * from "./validate";
export * from "./values";
export * from "./secret-names";
