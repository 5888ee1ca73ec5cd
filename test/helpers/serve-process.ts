// A running `capstan serve` child process whose stdout is collected and searchable as it arrives.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawnCli } from './cli.js';

export type LogLine = Record<string, unknown> & { msg?: string };

export class ServeProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];
  private done = false;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.wake();
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolveExit) => {
      child.on('exit', (code) => {
        this.done = true;
        this.wake();
        resolveExit(code);
      });
    });
  }

  static start(dataDir: string, adminToken: string, env: Record<string, string> = {}): ServeProcess {
    return new ServeProcess(
      spawnCli(['serve'], { CAPSTAN_DATA_DIR: dataDir, PORT: '0', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'info', CAPSTAN_ADMIN_TOKEN: adminToken, CAPSTAN_CHECK_RESPONSES: 'true', ...env }),
    );
  }

  /** The stdout lines that are JSON log records. */
  logs(): LogLine[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  }

  /** Resolves with the first stdout line matching, as soon as it is printed; fails if the process exits first. */
  async line(match: (line: string) => boolean): Promise<string> {
    for (;;) {
      // Only whole lines: the last element after the split is still being written.
      const found = this.stdout.split('\n').slice(0, -1).find(match);
      if (found !== undefined) return found;
      assert.ok(!this.done, `the process exited before printing the expected line; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  async log(msg: string): Promise<LogLine> {
    const l = await this.line((text) => text.startsWith('{') && (JSON.parse(text) as LogLine).msg === msg);
    return JSON.parse(l) as LogLine;
  }

  async url(): Promise<string> {
    return String((await this.log('capstan listening')).url);
  }

  async stop(): Promise<number | null> {
    if (!this.done) this.child.kill('SIGTERM');
    return this.exited;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
