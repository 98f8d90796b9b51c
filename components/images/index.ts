export * from "./catalog";
export * from "./reference";
export * from "./resolve";
export * from "./dask";
