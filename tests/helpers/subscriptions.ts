// A frontend's view of real-time: a graphql-ws client over `ws`, and subscriptions that collect
// what they receive so a test can wait for it.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { App } from "../../src/context/context";

export interface Connection {
  client: Client;
  /** Resolves with the close code when the server closes the socket. */
  closed: Promise<number>;
  subscribe<T = any>(query: string, variables?: Record<string, unknown>): LiveSubscription<T>;
  dispose(): Promise<void>;
}

/** Connects with `connection_init { authorization: "Bearer <token>" }` (no token: anonymous). */
export function connect(httpUrl: string, token?: string | null, rawAuthorization?: string): Connection {
  let onClosed: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const authorization = rawAuthorization ?? (token ? `Bearer ${token}` : undefined);
  const client = createClient({
    url: httpUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => onClosed((event as { code: number }).code) },
  });
  return {
    client,
    closed,
    subscribe: (query, variables) => new LiveSubscription(client, query, variables),
    dispose: async () => {
      await client.dispose();
    },
  };
}

export class LiveSubscription<T = any> {
  readonly events: T[] = [];
  readonly errors: { message: string; extensions?: { code?: string } }[] = [];
  closeCode: number | null = null;
  completed = false;
  private listeners = new Set<() => void>();
  private readonly stop: () => void;

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    this.stop = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...(result.errors as LiveSubscription["errors"]));
          else this.events.push(result.data as T);
          this.changed();
        },
        error: (err) => {
          const code = (err as { code?: unknown })?.code;
          if (typeof code === "number") this.closeCode = code;
          else this.errors.push({ message: String((err as Error)?.message ?? err) });
          this.completed = true;
          this.changed();
        },
        complete: () => {
          this.completed = true;
          this.changed();
        },
      },
    );
  }

  private changed() {
    for (const l of this.listeners) l();
  }

  /** Waits until the condition holds (checked at every message), failing after timeoutMs. */
  until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(
          new Error(
            `timed out waiting for ${what}; received ${JSON.stringify(this.events)} errors ${JSON.stringify(this.errors)} close ${this.closeCode}`,
          ),
        );
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  waitForEvents(n: number, timeoutMs?: number) {
    return this.until(() => this.events.length >= n, `${n} events`, timeoutMs);
  }

  waitForEnd(timeoutMs?: number) {
    return this.until(() => this.completed || this.errors.length > 0, "the subscription to end", timeoutMs);
  }

  unsubscribe() {
    this.stop();
  }
}

/**
 * Waits until the server holds `count` open event streams: a subscription listens from then on
 * (before that, an event would only reach it through `since`).
 */
export async function waitForStreams(app: App, count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (app.events.openStreams.size < count) {
    if (Date.now() > deadline) throw new Error(`only ${app.events.openStreams.size} of ${count} event streams opened`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
