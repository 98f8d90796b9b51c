/** Test tiers: unit (mocks), package (the packed npm package), integration (real Python software), live (a real control plane and real Traefik), e2e (real Pulumi engine). */
const tsJest = ["ts-jest", { tsconfig: "tsconfig.json" }];
const tier = (name) => ({
  displayName: name,
  testEnvironment: "node",
  testEnvironmentOptions: { globalsCleanup: "off" },
  roots: ["<rootDir>/test/" + name],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": tsJest },
});
module.exports = {
  // Tests wait for what they need, never for a period of time; this limit only catches a hang,
  // far above what a loaded machine takes (the longest unit test takes seconds when idle).
  // Per-project testTimeout is not honoured by jest 30; the e2e and live tests set their own.
  testTimeout: 10 * 60 * 1000,
  projects: [tier("unit"), tier("package"), tier("integration"), tier("live"), tier("e2e")],
};
