/**
 * A loopback TCP port nobody listens on right now, for a private server that must be told its port
 * before it starts (postgres, redis-server, mariadbd cannot listen on port 0 and report it). The
 * kernel picks it from the ephemeral range, so two runs of the suite on one machine — a developer's
 * and CI's — never ask for the same fixed number.
 */
import { createServer } from "node:net";

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}
