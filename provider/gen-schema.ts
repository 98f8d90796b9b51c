/** Writes provider/schema.json from the components' types: `npm run schema` (`--check`: fail on a difference instead). */
import * as fs from "fs";
import * as path from "path";
import { buildSchema } from "./schema-gen";

const root = path.join(__dirname, "..");
const out = path.join(root, "provider", "schema.json");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
const started = Date.now();
const text = `${JSON.stringify(buildSchema(path.join(root, "components", "index.ts"), undefined, version), null, 2)}\n`;
const took = ((Date.now() - started) / 1000).toFixed(1);
if (process.argv.includes("--check")) {
    const have = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
    if (have !== text) {
        console.error(`provider/schema.json differs from the components' types: run npm run schema and commit it (built in ${took} s)`);
        process.exit(1);
    }
    console.log(`provider/schema.json matches the components' types (${text.length} bytes, built in ${took} s)`);
} else {
    fs.writeFileSync(out, text);
    console.log(`wrote provider/schema.json (${text.length} bytes, built in ${took} s)`);
}
