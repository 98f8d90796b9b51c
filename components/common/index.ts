export * from "./errors";
export * from "./labels";
export * from "./names";
export * from "./validate";
export * from "./shipped-files";
export * from "./options";
export * from "./grants";
export * from "./metrics";
