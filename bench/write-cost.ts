/**
 * A model of what the Pulumi engine writes to a self-managed backend (file, S3, GCS, Azure blob)
 * during an `up` from nothing, from the resources a program registers under mocks.
 *
 * The engine keeps the whole state in one checkpoint and rewrites it at each step's start (the
 * pending operation) and end (the new resource): two whole-state writes per resource, each of the
 * state as it stands then. So a first `up` of R resources of s bytes each writes about R² · s
 * bytes: it grows with the square of the resources. With PULUMI_SKIP_CHECKPOINTS=true only the
 * final state is written, once: R · s.
 *
 * A resource's state is modelled as the engine stores it: URN, type, id, parent, inputs and
 * outputs (under mocks the outputs are the inputs, so real Kubernetes objects, whose outputs also
 * carry the server's metadata and status, weigh more; secrets are stored encrypted, also more).
 * The figures are a model for comparing programs, not a measurement of the engine.
 */

/** One registered resource, as the model sizes it. */
export interface RegisteredResource {
    type: string;
    name: string;
    inputs: unknown;
    outputs: unknown;
}

/** The checkpoint's own envelope (version, stack, manifest, secrets provider), bytes. */
export const CHECKPOINT_ENVELOPE_BYTES = 2048;

/** Bytes the engine stores for one resource (its JSON in the checkpoint). */
export function stateBytes(stack: string, project: string, r: RegisteredResource): number {
    const urn = `urn:pulumi:${stack}::${project}::${r.type}::${r.name}`;
    return Buffer.byteLength(JSON.stringify({ urn, custom: !r.type.startsWith("hepaf:"), id: `${r.name}-id`, type: r.type, inputs: r.inputs, outputs: r.outputs, parent: urn }));
}

/** The model's figures for one program: its final state, and the bytes a first `up` writes with and without intermediate checkpoints. */
export interface WriteCost {
    resources: number;
    stateBytes: number;
    /** Every step writes the whole state twice (the engine's default). */
    upBytes: number;
    /** PULUMI_SKIP_CHECKPOINTS=true: the final state once. */
    upBytesSkippingCheckpoints: number;
}

/** The model over resources' state sizes, in the order they are created (pure). */
export function writeCost(sizes: number[]): WriteCost {
    let state = CHECKPOINT_ENVELOPE_BYTES;
    let written = 0;
    for (const s of sizes) {
        written += state; // the step starts: the state so far, with the pending operation
        state += s;
        written += state; // the step ends: the state with the new resource
    }
    return { resources: sizes.length, stateBytes: state, upBytes: written, upBytesSkippingCheckpoints: state };
}
