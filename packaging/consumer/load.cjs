'use strict';
// Loads every entry point with require() and with import(), from a CommonJS file, and reports
// the names each gives and whether they are the same objects (one module instance, not two).
const ENTRIES = ['@gw/core', '@gw/core/internal', '@gw/node-http', '@gw/express', '@gw/cli'];

(async () => {
  const report = {};
  for (const name of ENTRIES) {
    const required = require(name);
    const imported = await import(name);
    const names = Object.keys(required).sort();
    report[name] = {
      required: names,
      imported: Object.keys(imported).sort(),
      same: names.every((key) => required[key] === imported[key]),
    };
  }
  process.stdout.write(JSON.stringify(report));
})();
