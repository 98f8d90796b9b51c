/** The plugin's entry: `pulumi-resource-hepaf` runs this, and the engine talks to it over gRPC. */
import * as provider from "@pulumi/pulumi/provider";
import { HepafProvider } from "./provider";

provider.main(new HepafProvider(), process.argv.slice(2)).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
