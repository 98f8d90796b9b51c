import { CHECKPOINT_ENVELOPE_BYTES, stateBytes, writeCost } from "../../bench/write-cost";

describe("the model of the engine's checkpoint writes", () => {
    test("every step writes the whole state twice: a first up of R equal resources writes about R² times one", () => {
        const s = 1000;
        const e = CHECKPOINT_ENVELOPE_BYTES;
        expect(writeCost([s])).toEqual({ resources: 1, stateBytes: e + s, upBytes: e + (e + s), upBytesSkippingCheckpoints: e + s });
        const r = 400;
        const cost = writeCost(Array(r).fill(s));
        // sum over k of (e + (k-1)s) + (e + ks) = 2re + r²s
        expect(cost.upBytes).toBe(2 * r * e + r * r * s);
        expect(cost.upBytesSkippingCheckpoints).toBe(e + r * s);
        // Ten times the resources: about a hundred times the bytes, ten times without checkpoints.
        const ten = writeCost(Array(10 * r).fill(s));
        expect(ten.upBytes / cost.upBytes).toBeGreaterThan(90);
        expect(ten.upBytesSkippingCheckpoints / cost.upBytesSkippingCheckpoints).toBeLessThan(10.1);
    });

    test("a resource weighs its URN, type, inputs and outputs as JSON", () => {
        const small = stateBytes("dev", "hepaf", { type: "kubernetes:core/v1:ConfigMap", name: "a", inputs: { data: {} }, outputs: {} });
        const large = stateBytes("dev", "hepaf", { type: "kubernetes:core/v1:ConfigMap", name: "a", inputs: { data: { f: "x".repeat(5000) } }, outputs: {} });
        expect(large - small).toBe(5000 + '"f":""'.length);
    });
});
