/**
 * A named double of the Pulumi engine's Engine service (pulumirpc.Engine), the one a program's
 * SDK sends its log lines to: it records every Log request (severity, message, resource URN)
 * and keeps the root resource as the engine does. Resource registration is not its part (the
 * program runs under Pulumi's mock runtime); this is only where the engine would receive
 * what the program reports, so a test sees what `pulumi up` would print and under which resource.
 */
import * as grpc from "@grpc/grpc-js";
/* eslint-disable @typescript-eslint/no-require-imports */
const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const engineproto = require("@pulumi/pulumi/proto/engine_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

/** One Log request as the engine received it. */
export interface EngineLogLine {
    severity: "debug" | "info" | "warning" | "error";
    message: string;
    /** URN of the resource the line is about; "" for none (the engine shows it under the stack). */
    urn: string;
}

/** A running double: its address (for `--engine`), what it received, and a way to stop it. */
export interface EngineLogDouble {
    address: string;
    lines: EngineLogLine[];
    stop(): Promise<void>;
}

const SEVERITY: Record<number, EngineLogLine["severity"]> = {
    [engineproto.LogSeverity.DEBUG]: "debug",
    [engineproto.LogSeverity.INFO]: "info",
    [engineproto.LogSeverity.WARNING]: "warning",
    [engineproto.LogSeverity.ERROR]: "error",
};

/** Starts the double on a loopback port of its own. */
export async function startEngineLogDouble(): Promise<EngineLogDouble> {
    const lines: EngineLogLine[] = [];
    let rootUrn = "";
    const server = new grpc.Server();
    server.addService(enginerpc.EngineService, {
        log: (call: any, done: any) => {
            const req = call.request;
            lines.push({ severity: SEVERITY[req.getSeverity()], message: req.getMessage(), urn: req.getUrn() });
            done(null, new emptyproto.Empty());
        },
        getRootResource: (_call: any, done: any) => {
            const resp = new engineproto.GetRootResourceResponse();
            resp.setUrn(rootUrn);
            done(null, resp);
        },
        setRootResource: (call: any, done: any) => {
            rootUrn = call.request.getUrn();
            done(null, new engineproto.SetRootResourceResponse());
        },
        startDebugging: (_call: any, done: any) => done(null, new emptyproto.Empty()),
        requirePulumiVersion: (_call: any, done: any) => done(null, new engineproto.RequirePulumiVersionResponse()),
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return {
        address: `127.0.0.1:${port}`,
        lines,
        stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
