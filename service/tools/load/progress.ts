/** Live progress of a run on stderr. */
interface ProgressState {
  elapsedSeconds: number;
  acceptedPerSecond: number;
  decidedPerSecond: number;
  pending: number;
  lagSeconds: number;
}

interface Progress {
  update(state: ProgressState): void;
  stop(): void;
}

export const fmt = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A cli-progress bar on a terminal; one status line every 5 s otherwise (CI logs, pipes). */
export async function createProgress(totalSeconds: number, enabled: boolean): Promise<Progress> {
  if (!enabled) return { update: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    try {
      const { default: cliProgress } = await import("cli-progress");
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format:
            "load [{bar}] {value}/{total}s | accepted {accepted}/s | decided {decided}/s | pending {pending} | lag {lag}s",
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(totalSeconds, 0, { accepted: 0, decided: 0, pending: 0, lag: 0 });
      return {
        update: (s) =>
          bar.update(Math.min(totalSeconds, Math.round(s.elapsedSeconds)), {
            accepted: fmt(s.acceptedPerSecond),
            decided: fmt(s.decidedPerSecond),
            pending: fmt(s.pending),
            lag: fmt(s.lagSeconds, 1),
          }),
        stop: () => bar.stop(),
      };
    } catch {
      // cli-progress missing: fall through to plain lines.
    }
  }
  let lastLine = 0;
  return {
    update: (s) => {
      if (s.elapsedSeconds - lastLine < 5) return;
      lastLine = s.elapsedSeconds;
      process.stderr.write(
        `  load ${fmt(s.elapsedSeconds)}/${totalSeconds}s  accepted ${fmt(s.acceptedPerSecond)}/s  ` +
          `decided ${fmt(s.decidedPerSecond)}/s  pending ${fmt(s.pending)}  lag ${fmt(s.lagSeconds, 1)}s\n`,
      );
    },
    stop: () => {},
  };
}
