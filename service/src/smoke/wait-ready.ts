/**
 * `--wait-ready`: before the checks, wait for GET /ready to answer 200. CI starts the system in the
 * background and runs the suite at once; a fresh ECS deployment needs a minute before its targets are
 * healthy. Waiting here keeps "not up yet" apart from "up but broken", which the checks then judge.
 */
import type { ApiClient } from "./client.js";
import { UnreachableError } from "./client.js";
import { pollUntil } from "./poll.js";

export interface ReadyWait {
  ready: boolean;
  waitedMs: number;
  /** The last thing /ready said (status or network error), for the note when it never got ready. */
  last: string;
}

export async function waitForReady(client: ApiClient, seconds: number): Promise<ReadyWait> {
  const started = Date.now();
  let last = "no attempt";
  const ready = await pollUntil(
    async () => {
      try {
        const response = await client.get("/ready", { token: null });
        last = `${response.status} ${response.text.slice(0, 200)}`.trim();
        return response.status === 200 ? true : undefined;
      } catch (error) {
        if (!(error instanceof UnreachableError)) throw error;
        last = `${error.code} at ${error.url}`;
        return undefined;
      }
    },
    { deadline: started + seconds * 1000, initialDelayMs: 100, maxDelayMs: 2000 },
  );
  return { ready: ready === true, waitedMs: Date.now() - started, last };
}
