/** Test tiers: unit (mocks), package (the packed npm package), integration (real Python software), live (a real control plane and real Traefik), e2e (real Pulumi engine). */
const tsJest = ["ts-jest", { tsconfig: "tsconfig.json" }];
const tier = (name, timeout) => ({
  displayName: name,
  testEnvironment: "node",
  testEnvironmentOptions: { globalsCleanup: "off" },
  roots: ["<rootDir>/test/" + name],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": tsJest },
  testTimeout: timeout,
});
module.exports = {
  // Per-project testTimeout is not honoured by jest 30; the e2e and live tests set their own.
  testTimeout: 120000,
  projects: [tier("unit", 60000), tier("package", 300000), tier("integration", 300000), tier("live", 900000), tier("e2e", 900000)],
};
