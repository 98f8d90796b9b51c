/**
 * Refusals reach a site's program the way Pulumi's own do: the Node.js language host prints a
 * ResourceError that hides its stack, or a RunError, as its message alone (no frames), and a
 * ResourceError under the resource it names. The package tier runs the host's own entry.
 */
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, settled } from "../helpers/pulumi";

setupMocks();
import { check, InvalidArgumentError } from "../../components";
import { loadCrds } from "../../components/traefik/crds";
import { StackConfigError } from "../../infra/errors";
import { findProjectRoot } from "../../infra/project-root";
import * as os from "os";

describe("InvalidArgumentError", () => {
    test("is a ResourceError that hides its stack, names the argument, and is still its own class", () => {
        const err = new InvalidArgumentError("groups[0].htcondor.pool", '"nowhere" is not a pool in htcondor.pools (declared: "campus")');
        expect(err).toBeInstanceOf(InvalidArgumentError);
        expect(err).toBeInstanceOf(Error);
        expect(pulumi.ResourceError.isInstance(err)).toBe(true);
        expect(err.hideStack).toBe(true);
        expect(err.resource).toBeUndefined();
        expect(err.name).toBe("InvalidArgumentError");
        expect(err.argument).toBe("groups[0].htcondor.pool");
        expect(err.message).toBe('groups[0].htcondor.pool: "nowhere" is not a pool in htcondor.pools (declared: "campus")');
        expect(() => check(false, "traefik.daskPort", "must be a port")).toThrow(new InvalidArgumentError("traefik.daskPort", "must be a port"));
    });

    test("keeps its message when the SDK prefixes the property it was serializing", () => {
        const err = new InvalidArgumentError("edge.crds.url", "cannot download");
        // What the SDK's serializer does to an error that rejects a resource's input.
        err.message = `error serializing property "outputs": ${err.message}`;
        expect(err.message).toBe("edge.crds.url: cannot download");
        expect(String(err)).toBe("InvalidArgumentError: edge.crds.url: cannot download");
    });

    test("names the component it belongs to when given one", async () => {
        const component = new pulumi.ComponentResource("hepaf:test:Thing", "thing");
        const err = new InvalidArgumentError("thing.size", "too large", component);
        expect(err.resource).toBe(component);
        await settled();
    });
});

describe("a CRD download that fails", () => {
    test("is an InvalidArgumentError naming the URL argument, the file and the way out, in one line", async () => {
        const loading = loadCrds({ source: "url", url: "http://127.0.0.1:9/none.yml" }, "https://unused.example/crds.yml", "edge.crds");
        const err = await Promise.resolve(loading).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(InvalidArgumentError);
        expect((err as InvalidArgumentError).argument).toBe("edge.crds.url");
        expect((err as InvalidArgumentError).hideStack).toBe(true);
        expect((err as Error).message).toMatch(
            /^edge\.crds\.url: cannot download Traefik CRDs from http:\/\/127\.0\.0\.1:9\/none\.yml \([^)]+\); fetch that file where it can be reached and use crds: \{ source: "file", path \} with the local copy, or \{ source: "none" \}$/,
        );
    });
});

describe("the stack program's refusals", () => {
    test("are RunErrors, printed without a stack", () => {
        expect(pulumi.RunError.isInstance(new StackConfigError(["hepaf:domain is required"]))).toBe(true);
        let thrown: unknown;
        try {
            findProjectRoot(os.tmpdir());
        } catch (e) {
            thrown = e;
        }
        expect(pulumi.RunError.isInstance(thrown)).toBe(true);
        expect((thrown as Error).message).toMatch(/^no Pulumi.yaml at or above .+: the program must run inside its project$/);
    });
});
