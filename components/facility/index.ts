export * from "./facility";
