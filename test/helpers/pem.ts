import type { K8sObject } from "./k8s-schema";

/** `text` with each PEM block written as its kind alone (`<CERTIFICATE>`): keys and certificates are new at every render. */
export function maskPems(text: string): string {
    return text.replace(/-----BEGIN ([A-Z ]+)-----[^-]+-----END \1-----/g, "<$1>");
}

/** Every PEM block (a BEGIN line, base64, its END line) in any string of the objects, and in Secrets' base64 data decoded. */
export function pemBlocks(objs: K8sObject[]): string[] {
    const out: string[] = [];
    const walk = (v: unknown, where: string): void => {
        if (typeof v === "string") {
            for (const m of v.matchAll(/-----BEGIN ([A-Z ]+)-----\r?\n[A-Za-z0-9+/=\r\n]{20,}-----END \1-----/g)) out.push(`${where}: ${m[1]}`);
        } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
        else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    };
    for (const o of objs) {
        walk(o, `${o.kind}/${o.metadata.name}`);
        if (o.kind === "Secret") for (const [k, x] of Object.entries((o as any).data ?? {})) walk(Buffer.from(String(x), "base64").toString("utf8"), `${o.metadata.name}.data.${k}`);
    }
    return out;
}
