#!/usr/bin/env node
'use strict';
// The gkeflow command, run in this very process: its signals (a pod's SIGTERM) and its exit
// status are the CLI's own, with no launcher or child in between.
//   - installed package: the compiled CLI in dist/ (`npm run build`);
//   - checkout (src/ beside this file and tsx installed): the TypeScript source, with tsx's
//     loader registered in this process, so what runs is always the source being edited and a
//     stale dist/ is never picked up.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');

function tsxAvailable() {
  try {
    require.resolve('tsx', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

async function load() {
  if (fs.existsSync(source) && tsxAvailable()) {
    await import('tsx'); // registers tsx's require and import hooks in this process
    return require(source);
  }
  return require(path.join(root, 'dist', 'cli', 'main.js'));
}

load()
  .then(({ main }) => main(process.argv.slice(2)))
  .then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
