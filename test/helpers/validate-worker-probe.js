// A worker script for validate's threads in tests: runs the real worker
// (dist/mdev-agg-validate.js) and appends each chunk it posts to a log, or fails as told.
// Told by probe.json in the directory validate runs in (the worker's cwd in its workerData):
// {"worker": path, "log": path, "fail": "start" | "after-one" | null}.
const { appendFileSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');

const probe = JSON.parse(readFileSync(join(workerData.cwd, 'probe.json'), 'utf8'));
appendFileSync(probe.log, 'started\n');
if (probe.fail === 'start') throw new Error('this worker fails as it starts');
const post = parentPort.postMessage.bind(parentPort);
let posted = 0;
parentPort.postMessage = (message) => {
  if (probe.fail === 'after-one' && posted === 1) process.exit(3);
  posted++;
  appendFileSync(probe.log, `chunk ${message.index}\n`);
  post(message);
};
require(probe.worker);
