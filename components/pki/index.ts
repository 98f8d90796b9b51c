export * from "./authority";
export * from "./certificate";
export * from "./certificate-authority";
export * from "./intermediate";
export * from "./publish";
export * from "./signer";
export * from "./types";
export * from "./validity";
