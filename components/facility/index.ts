export * from "./args";
export * from "./facility";
export * from "./group-parts";
