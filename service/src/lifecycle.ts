/**
 * Process lifecycle for every role: one ordered shutdown on SIGTERM/SIGINT, bounded in time.
 *
 * ECS sends SIGTERM and SIGKILLs 30 s later (the task definition's stopTimeout); the service must be
 * done before that, so the whole shutdown has a 25 s budget, after which the process exits non-zero
 * and says which step was still running.
 */
import type { Logger } from "pino";

const SHUTDOWN_BUDGET_MS = 25_000;

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

/** How a shutdown went: its duration and whether every step succeeded. */
export interface ShutdownResult {
  ms: number;
  clean: boolean;
}

/** "stopped cleanly in 1.2 s" (or "stopped with errors in …"): the last line a role logs. */
export function describeShutdown(result: ShutdownResult): string {
  return `stopped ${result.clean ? "cleanly" : "with errors"} in ${(result.ms / 1000).toFixed(1)} s`;
}

export class Lifecycle {
  private readonly steps: ShutdownStep[] = [];
  private shuttingDown: Promise<void> | undefined;
  private resolveStopped!: (result: ShutdownResult) => void;
  /** Resolves when shutdown has finished (the role's main promise awaits it). */
  readonly stopped = new Promise<ShutdownResult>((resolve) => {
    this.resolveStopped = resolve;
  });

  constructor(
    private readonly logger: Logger,
    private readonly budgetMs = SHUTDOWN_BUDGET_MS,
  ) {}

  /**
   * Registers how to undo something just started. Steps run in reverse order of registration (like
   * `defer`): register each part right after starting it, and shutdown stops the API before the
   * workers and the workers before the database. A step registered while shutdown is under way (a
   * part whose start was in flight when the signal came) is still run before shutdown resolves.
   */
  onShutdown(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  /** True once shutdown has begun: a start-up sequence checks it between steps and stops early. */
  get stopping(): boolean {
    return this.shuttingDown !== undefined;
  }

  /** Installs SIGTERM/SIGINT handlers; a second signal exits at once. */
  handleSignals(): void {
    const handler = (signal: NodeJS.Signals) => {
      if (this.shuttingDown) {
        this.logger.warn({ signal }, "second signal: exiting now");
        process.exit(130);
      }
      this.logger.info({ signal }, "shutting down");
      void this.shutdown().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once("SIGTERM", handler);
    process.once("SIGINT", handler);
  }

  /** Runs every step in order, each even if an earlier one failed, within the budget. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.runSteps();
    return this.shuttingDown;
  }

  private async runSteps(): Promise<void> {
    const started = Date.now();
    let current = "start";
    const deadline = setTimeout(() => {
      this.logger.error({ step: current, budgetMs: this.budgetMs }, "shutdown budget exceeded; exiting");
      process.exit(1);
    }, this.budgetMs);
    deadline.unref();
    let failed = false;
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      current = step.name;
      try {
        await step.run();
      } catch (error) {
        failed = true;
        this.logger.error({ err: error, step: step.name }, "shutdown step failed");
      }
    }
    clearTimeout(deadline);
    const result = { ms: Date.now() - started, clean: !failed };
    if (failed) this.logger.error({ ms: result.ms }, describeShutdown(result));
    else this.logger.info({ ms: result.ms }, describeShutdown(result));
    this.resolveStopped(result);
    if (failed) throw new Error("shutdown finished with errors");
  }
}
