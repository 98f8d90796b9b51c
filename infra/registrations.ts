import * as pulumi from "@pulumi/pulumi";

/**
 * Waits until every resource registration the program has started has finished, by the SDK's
 * own queue of outstanding resource RPCs: no quiet period, so a slow machine takes longer but
 * never sees a half-declared program. Resources a component declares later (after a download,
 * say) are covered when the component keeps them in its registered outputs, as Traefik does.
 *
 * The SDK keeps this wait in `runtime.waitForRPCs`, marked internal; its public form,
 * `runtime.disconnect()`, also closes the monitor that the mocks of a later test still need.
 * The SDK version is pinned in package.json, and a missing function fails loudly here.
 */
export async function waitForRegistrations(): Promise<void> {
    const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    if (typeof wait !== "function") {
        throw new Error("@pulumi/pulumi no longer has runtime.waitForRPCs: update infra/registrations.ts for this SDK version");
    }
    await wait();
}
