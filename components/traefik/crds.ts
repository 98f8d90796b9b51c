import * as fs from "fs";
import { parseAllDocuments } from "yaml";
import { check, InvalidArgumentError } from "../common";

/** Where the Traefik CRD definitions come from. */
export type CrdSource =
    /** The official definitions of the pinned release, downloaded at program time (default). */
    | {
          source: "url";
          /** Where the definitions file is. Default the pinned release's file on GitHub. */
          url?: string;
      }
    /** A local copy of the official definitions, e.g. for machines without internet. */
    | {
          source: "file";
          /** Path of the local copy (`kubernetes-crd-definition-v1.yml` of the release). Required. */
          path: string;
      }
    /** Install none: the site manages Traefik CRDs itself. */
    | { source: "none" };

/** A CRD document as parsed from the definitions file. */
export interface CrdDocument {
    apiVersion: string;
    kind: string;
    metadata: { name: string; [key: string]: unknown };
    spec: Record<string, unknown>;
}

/** Parses a multi-document YAML text into CRDs, refusing anything that is not one. */
export function parseCrds(text: string, origin: string, argument: string): CrdDocument[] {
    const docs = parseAllDocuments(text)
        .map((d) => {
            check(d.errors.length === 0, argument, `${origin} is not valid YAML: ${d.errors[0]?.message}`);
            return d.toJSON() as CrdDocument | null;
        })
        .filter((d): d is CrdDocument => d !== null);
    check(docs.length > 0, argument, `${origin} holds no CustomResourceDefinition`);
    docs.forEach((d, i) =>
        check(
            d.kind === "CustomResourceDefinition" && d.apiVersion === "apiextensions.k8s.io/v1",
            argument,
            `${origin} document ${i} is a ${d.apiVersion}/${d.kind}, not an apiextensions.k8s.io/v1 CustomResourceDefinition`,
        ),
    );
    return docs;
}

/** Checks a CRD source's shape (and that a local file exists) without reading it. */
export function checkCrdSource(source: CrdSource, argument: string): void {
    check(
        ["url", "file", "none"].includes(source?.source),
        `${argument}.source`,
        `"${(source as { source: string })?.source}" is not valid; use "url", "file" or "none"`,
    );
    if (source.source === "file") {
        check(fs.existsSync(source.path), `${argument}.path`, `file "${source.path}" does not exist`);
    }
}

/**
 * Reads the CRD definitions from their source: at once for `file` and `none` (so a bad file
 * fails before anything is declared), as a promise for `url`.
 */
export function loadCrds(source: CrdSource, defaultUrl: string, argument: string): CrdDocument[] | Promise<CrdDocument[]> {
    switch (source.source) {
        case "none":
            return [];
        case "file": {
            check(fs.existsSync(source.path), `${argument}.path`, `file "${source.path}" does not exist`);
            return parseCrds(fs.readFileSync(source.path, "utf8"), source.path, `${argument}.path`);
        }
        case "url":
            return download(source.url ?? defaultUrl, `${argument}.url`);
        default:
            check(false, `${argument}.source`, `"${(source as { source: string }).source}" is not valid; use "url", "file" or "none"`);
    }
}

async function download(url: string, argument: string): Promise<CrdDocument[]> {
    let response: Response;
    try {
        response = await fetch(url);
    } catch (err) {
        // Bad input like any other (the site must point elsewhere): one line, no frames.
        throw new InvalidArgumentError(
            argument,
            `cannot download Traefik CRDs from ${url} (${(err as Error).message}); ` +
                `fetch that file where it can be reached and use crds: { source: "file", path } with the local copy, or { source: "none" }`,
        );
    }
    check(response.ok, argument, `download of ${url} answered HTTP ${response.status}`);
    return parseCrds(await response.text(), url, argument);
}
