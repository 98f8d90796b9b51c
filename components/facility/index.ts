export * from "./args";
export * from "./facility";
