#!/usr/bin/env node
// Compile a Solidity standard-JSON input (stdin) with solcjs and print the standard-JSON output.
// Imports that are not in the input (e.g. "@openzeppelin/...") are read from node_modules, found by
// walking up from this file, so the build works from any working directory and needs no native solc.
"use strict";

const fs = require("fs");
const path = require("path");

function findNodeModules(start) {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, "node_modules");
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("node_modules not found above " + start);
    dir = parent;
  }
}

const nodeModules = findNodeModules(__dirname);
const solc = require(path.join(nodeModules, "solc"));

function findImports(importPath) {
  // Refuse anything that could escape node_modules: import paths come from source files.
  const normalized = path.posix.normalize(importPath);
  if (normalized.startsWith("..") || path.isAbsolute(normalized)) {
    return { error: "refusing import outside node_modules: " + importPath };
  }
  const full = path.join(nodeModules, normalized);
  try {
    return { contents: fs.readFileSync(full, "utf8") };
  } catch (e) {
    return { error: "import not found: " + importPath };
  }
}

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const input = Buffer.concat(chunks).toString("utf8");
  const output = solc.compile(input, { import: findImports });
  // Report the exact compiler so artifacts can record it.
  const parsed = JSON.parse(output);
  parsed.compilerVersion = solc.version();
  process.stdout.write(JSON.stringify(parsed));
});
