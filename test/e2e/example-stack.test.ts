/**
 * The example university stack previews with the real engine (no cluster: the Kubernetes
 * provider previews what it would create) and the policy pack finds nothing, not even an advisory.
 */
import * as crypto from "crypto";
import { E2eProject, e2eProject, previewWithPack } from "./workspace";

jest.setTimeout(15 * 60 * 1000);

let project: E2eProject;

beforeAll(async () => {
    project = await e2eProject("example-university", "preview-only");
    // Throwaway secrets: the real ones belong to the site.
    await project.stack.setConfig("hepaf:hubClientSecret", { value: crypto.randomBytes(24).toString("hex"), secret: true });
    await project.stack.setConfig("hepaf:poolSigningKeys.campus", { value: crypto.randomBytes(64).toString("base64"), secret: true }, true);
});

afterAll(() => project?.dispose());

test("previews cleanly with the policy pack: no violation and no advisory", async () => {
    const { preview, findings } = await previewWithPack(project);
    // Nothing from any policy: the trust bundles' certificates, not known during a preview, are
    // judged when they are (no "can't run policy ... during preview" advisory on every pull request).
    expect(findings).toEqual([]);
    expect(preview.stdout).not.toMatch(/advisory|can't run policy/);
    expect(preview.changeSummary.create).toBeGreaterThan(50);
    expect(preview.changeSummary.delete ?? 0).toBe(0);
    // The pack started (it names itself hepaf) and found nothing; the program ran from its own file.
    expect(preview.stdout).toMatch(/hepaf@v?\d+\.\d+\.\d+/);
    expect(preview.stdout).not.toMatch(/policy pack not started/);
    expect(`${preview.stdout}${preview.stderr}`).not.toMatch(/Could not find entry point/);
    expect(preview.stdout).not.toMatch(/mandatory/);
    expect(preview.stdout).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
});
