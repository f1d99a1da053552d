// Compile contracts/src/*.sol with the pinned solc-js; write one JSON artifact file.
// Usage: node contracts/build.js <out.json>
// Output: {"solcVersion": ..., "contracts": {"Name": {"abi": [...], "bytecode": "0x..."}}}
// (deployable contracts only; an interface's errors and events are in its implementer's ABI)
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const root = path.resolve(__dirname, '..');
const srcDir = path.join(__dirname, 'src');
const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node contracts/build.js <out.json>\n');
  process.exit(2);
}

function findImport(importPath) {
  const candidates = [path.join(root, 'node_modules', importPath), path.join(srcDir, importPath)];
  for (const file of candidates) {
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: `import not found: ${importPath}` };
}

const sources = {};
for (const name of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[name] = { content: fs.readFileSync(path.join(srcDir, name), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length) {
  process.stderr.write(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
const contracts = {};
for (const file of Object.keys(sources)) {
  for (const [name, c] of Object.entries(output.contracts[file] || {})) {
    // Interfaces (no bytecode) are part of their implementers' ABI; only deployables are artifacts.
    if (!c.evm.bytecode.object) continue;
    contracts[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
  }
}
const tmp = `${out}.${process.pid}.tmp`;
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(tmp, JSON.stringify({ solcVersion: solc.version(), contracts }));
fs.renameSync(tmp, out);
