// A webhook receiver on loopback for tests: records every request (raw body, headers) and
// answers as the test says — a status, a connection reset, or nothing until released.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  body: string;
  headers: IncomingHttpHeaders;
  /** What the receiver did with it. */
  answer: number | 'reset' | 'held';
}

/** Decides the answer to the n-th request (1-based). */
export type Answer = (n: number, body: string) => number | 'reset' | 'hold';

export interface Receiver {
  url: string;
  received: Received[];
  answer: Answer;
  /** Answers every held request with this status (they were held open). */
  releaseHeld(status: number): void;
  /** Bodies of requests answered 2xx. */
  delivered(): string[];
  close(): Promise<void>;
}

export async function startReceiver(answer: Answer = () => 200): Promise<Receiver> {
  const held: ServerResponse[] = [];
  const receiver: Receiver = {
    url: '',
    received: [],
    answer,
    releaseHeld(status) {
      for (const res of held.splice(0)) res.writeHead(status).end();
    },
    delivered: () => receiver.received.filter((r) => typeof r.answer === 'number' && r.answer < 300).map((r) => r.body),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const decision = receiver.answer(receiver.received.length + 1, body);
      const entry: Received = { body, headers: req.headers, answer: decision === 'hold' ? 'held' : decision };
      receiver.received.push(entry);
      if (decision === 'reset') req.socket.destroy();
      else if (decision === 'hold') held.push(res);
      else res.writeHead(decision).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
