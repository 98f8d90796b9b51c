#!/usr/bin/env node
// Prints how many Kubernetes objects of each kind a render-mode stack wrote into a directory.
const fs = require("fs");
const path = require("path");
const { parseAllDocuments } = require("yaml");

function files(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? files(p) : /\.ya?ml$/.test(e.name) ? [p] : [];
    });
}

const dir = process.argv[2];
const counts = new Map();
let total = 0;
for (const file of files(dir)) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
        const obj = doc.toJSON();
        if (!obj || !obj.kind) continue;
        const key = `${obj.apiVersion} ${obj.kind}`;
        counts.set(key, (counts.get(key) || 0) + 1);
        total++;
    }
}
for (const [key, n] of [...counts].sort()) console.log(`  ${String(n).padStart(4)}  ${key}`);
console.log(`  ${String(total).padStart(4)}  objects in ${path.resolve(dir)}`);
