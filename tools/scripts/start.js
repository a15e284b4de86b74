#!/usr/bin/env node
// `npm start`: a single-node server on localhost:9092 with data under ./data, a
// Schema Registry on http://localhost:8081 (NAGARE_SCHEMA_REGISTRY=false leaves it
// out), and a Kafka Connect worker in distributed mode (REST on :8083, its internal topics on this
// server), so `curl -X POST localhost:8083/connectors -H 'Content-Type: application/json'
// -d @file-source.json` works right away.
//
//   npm start                       server + Connect worker
//   npm start -- --no-connect       the server alone (or NAGARE_CONNECT=0)
//   npm start -- --connect-config f use f (a connect-distributed.properties) for the worker
//   npm start -- --connect-port n   the worker's REST API on port n instead of 8083
//   other arguments go to `nagare server` (--config, --override k=v)
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '../..');
const main = path.join(root, 'apps/cli/dist/main.js');
const connectBin = path.join(root, 'apps/connect/bin/connect-distributed.js');
const connectDefaults = path.join(root, 'apps/connect/config/connect-distributed.properties');
if (!fs.existsSync(main)) {
  console.error('nagare: server not built yet (apps/cli/dist/main.js is missing); run `npm ci` (which builds) or `npm run build`.');
  process.exit(1);
}

const serverArgs = [];
let connect = process.env.NAGARE_CONNECT !== '0' && process.env.NAGARE_CONNECT !== 'false';
let connectConfig = null;
let connectPort = 8083;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--no-connect') connect = false;
  else if (argv[i] === '--connect-config') connectConfig = argv[++i];
  else if (argv[i].startsWith('--connect-config=')) connectConfig = argv[i].slice('--connect-config='.length);
  else if (argv[i] === '--connect-port') connectPort = Number(argv[++i]);
  else if (argv[i].startsWith('--connect-port=')) connectPort = Number(argv[i].slice('--connect-port='.length));
  else serverArgs.push(argv[i]);
}

if (!Number.isInteger(connectPort) || connectPort < 0 || connectPort > 65535) {
  console.error('nagare: --connect-port needs a port number (0-65535)');
  process.exit(1);
}

/** A server property as `nagare server` will see it: --override, else --config's file, else null. */
function serverProp(args, key) {
  let value = null;
  const ci = args.findIndex((a) => a === '--config' || a === '-c');
  if (ci >= 0 && args[ci + 1] && fs.existsSync(args[ci + 1])) {
    const m = new RegExp(`^\\s*${key.replace(/\./g, '\\.')}\\s*[=:]\\s*(.*)$`, 'm').exec(fs.readFileSync(args[ci + 1], 'utf8'));
    if (m) value = m[1].trim();
  }
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--override' && (args[i + 1] || '').startsWith(`${key}=`)) value = args[i + 1].slice(key.length + 1);
  }
  return value;
}

/** host:port clients use for the server: its first (non-controller) listener, else localhost:9092. */
function bootstrapFor(args) {
  const listeners = serverProp(args, 'listeners');
  if (!listeners) return 'localhost:9092';
  const first = listeners.split(',').map((s) => s.trim()).find((l) => !/^CONTROLLER:/i.test(l)) || listeners.split(',')[0];
  const m = /^[A-Za-z_]+:\/\/([^:]*):(\d+)$/.exec(first.trim());
  if (!m) return 'localhost:9092';
  const host = m[1] === '' || m[1] === '0.0.0.0' ? 'localhost' : m[1];
  return `${host}:${m[2]}`;
}

function portOpen(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

let worker = null;
async function startConnect() {
  if (!fs.existsSync(connectBin)) {
    console.error('nagare: Connect is not built (apps/connect/bin is missing); starting the server without it.');
    return;
  }
  const bootstrap = bootstrapFor(serverArgs);
  const [host, port] = [bootstrap.slice(0, bootstrap.lastIndexOf(':')), Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1))];
  const deadline = Date.now() + 60000;
  while (!(await portOpen(host, port))) {
    if (Date.now() > deadline) {
      console.error(`nagare: the server did not accept connections on ${bootstrap} within 60 s; Connect is not started.`);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  let propsFile = connectConfig;
  if (!propsFile) {
    // the shipped file with this server's address and the REST API on :8083, beside the
    // server's data (its first log.dirs entry; ./data by default)
    const dir = path.resolve((serverProp(serverArgs, 'log.dirs') || 'data').split(',')[0].trim());
    fs.mkdirSync(dir, { recursive: true });
    propsFile = path.join(dir, 'connect-distributed.properties');
    fs.writeFileSync(propsFile, fs.readFileSync(connectDefaults, 'utf8') + `\n# written by npm start\nbootstrap.servers=${bootstrap}\nlisteners=http://:${connectPort}\n`);
  }
  // the IPC channel stops the worker should this process die without stopping it (kill -9)
  worker = spawn(process.execPath, [connectBin, propsFile], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const prefix = (stream, out) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        out.write(`[connect] ${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
      }
    });
  };
  prefix(worker.stdout, process.stdout);
  prefix(worker.stderr, process.stderr);
  worker.on('exit', (code, signal) => {
    if (code !== 0 && signal === null && !stopping) console.error(`nagare: the Connect worker exited with code ${code}; the server keeps running (npm start -- --no-connect to start without it).`);
    worker = null;
  });
}

let stopping = false;
/** SIGTERM to the worker (once), resolved when it has exited, at most after 30 s. */
function stopWorker() {
  stopping = true;
  if (!worker) return Promise.resolve();
  const w = worker;
  if (w.exitCode !== null || w.signalCode !== null) return Promise.resolve();
  if (!w.stopSent) {
    w.stopSent = true;
    w.kill('SIGTERM');
  }
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      console.error('nagare: the Connect worker did not stop within 30 s; killing it.');
      w.kill('SIGKILL');
      resolve();
    }, 30000);
    w.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

// The worker leaves its group on the way out; were the server stopped at the same time, the
// group would keep the worker as a member until session.timeout.ms and the next `npm start`
// would wait for it. So the server's own SIGINT/SIGTERM handlers (registered with
// process.once by `nagare server`) run only once the worker has exited.
const held = [];
const realOnce = process.once.bind(process);
process.once = (event, fn) => {
  if (connect && (event === 'SIGINT' || event === 'SIGTERM')) {
    held.push({ event, fn });
    return process;
  }
  return realOnce(event, fn);
};
let signalled = false;
const onSignal = (signal) => {
  if (signalled) return;
  signalled = true;
  stopWorker().then(() => {
    for (const h of held) if (h.event === signal) h.fn(signal);
  });
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

const server = require(main).main(['server', ...serverArgs]);
if (connect) startConnect().catch((e) => console.error(`nagare: could not start Connect: ${e.message}`));

// The Schema Registry, in this process, against this server's listener.
const registry = path.join(root, 'apps/schema-registry/dist/main.js');
if (process.env.NAGARE_SCHEMA_REGISTRY !== 'false' && fs.existsSync(registry)) {
  require(registry)
    .startEmbedded({ bootstrapServers: bootstrapFor(serverArgs) })
    .catch((e) => console.error(`nagare: the schema registry did not start (the broker keeps running): ${e.message}`));
}
server.then(async (code) => {
  await stopWorker();
  process.exit(code);
});
