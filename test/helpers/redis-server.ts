// A private redis-server for tests that stop, kill or restart Redis, so the shared server on 6379 stays
// up for the tests running beside them. No persistence: a restart comes back empty, as after a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

const BINARY = process.env.CAPSTAN_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';
const START_TIMEOUT_MS = 10_000;

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts it (again) on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGTERM; resolves once it has exited. Safe to call when it is not running. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash; resolves once it has exited. */
  kill(): Promise<void>;
  /** kill() then start(): the same address, every key gone. */
  restart(): Promise<void>;
  /** SIGSTOP: it keeps its connections open and answers nothing, like a hung server or a partition. */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
}

/** Starts a redis-server on a free port. Call stop() in teardown. */
export async function startRedisServer(): Promise<RedisServer> {
  // Another process may take the free port before redis-server binds it; then try another one.
  for (let attempt = 1; ; attempt++) {
    const server = redisServerOn(await freePort());
    try {
      await server.start();
      return server;
    } catch (e) {
      await server.kill();
      if (attempt === 3) throw e;
    }
  }
}

function redisServerOn(port: number): RedisServer {
  let child: ChildProcess | undefined;
  // A test that crashes must not leave its redis-server behind.
  const killOnExit = () => child?.kill('SIGKILL');

  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    process.off('exit', killOnExit);
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    // A frozen server takes no signal but SIGKILL until it runs again.
    running.kill('SIGCONT');
    running.kill(signal);
    await exited;
  };

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      await halt('SIGKILL');
      const proc = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      process.on('exit', killOnExit);
      // Its own log says when it listens: a PING could be answered by another server on the same port.
      let output = '';
      let ready = false;
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        ready ||= output.includes('Ready to accept connections');
      };
      proc.stdout?.on('data', keep);
      proc.stderr?.on('data', keep);
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (!ready) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`redis-server on port ${port} exited: ${output}`);
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} was not ready within ${START_TIMEOUT_MS} ms: ${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async restart() {
      await server.kill();
      await server.start();
    },
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
  };
  return server;
}

/** A loopback port nothing listens on (yet). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
