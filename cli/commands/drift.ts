import type { StackEvent } from "../stack-report/events";
import type { Command } from "../command";
import { parseDuration } from "../duration";
import { UsageError } from "../errors";

/** Drift's exit codes: 2 is taken by "drift found", so a usage error of drift's own is 1. */
export const DRIFT_EXIT = { none: 0, drift: 2, failed: 1 } as const;

/**
 * How long the whole check may take by default: a refresh of the emulator's 60-broker stack takes
 * well under a minute; a hung broker would otherwise hold the job until each of the providers'
 * calls gives up (about 2 minutes).
 */
export const DRIFT_TIMEOUT = "90s";

/** How long each broker is given to answer `/health` when the deadline has passed. */
const PROBE_MS = 3_000;

/** How long the engine is given to stop after its interrupt before the report is printed anyway. */
const STOP_GRACE_MS = 5_000;

/** `streambus-ops drift --stack S [--timeout 90s] [--json]`: the scheduled drift check. */
export const command: Command = {
  name: "drift",
  order: 210,
  summary:
    "refresh a stack in preview-only mode and report each drifted resource and field, unmanaged and missing members, within --timeout (default 90s); exit 0 no drift, 2 drift, 1 the check failed (cluster unreachable or too slow, engine error, or a missing/bad --stack)",
  usage: "--stack STACK [--timeout 90s] [--json]",
  usageExitCode: DRIFT_EXIT.failed,
  options: { stack: { type: "string" }, timeout: { type: "string" } },
  async run(ctx, { values }) {
    const { stackFlag, runForEvents, driftReport, driftLines, parseEvents } =
      await import("../stack-report/index.js");
    let stack: string;
    let timeoutMs: number;
    try {
      stack = stackFlag(values, "stack");
      timeoutMs = parseDuration(
        typeof values.timeout === "string" ? values.timeout : DRIFT_TIMEOUT,
        "--timeout",
      );
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      ctx.out.error(`${error.message} (usage: streambus-ops drift --stack STACK [--timeout 90s] [--json])`);
      return DRIFT_EXIT.failed;
    }
    const raw: unknown[] = [];
    const stop = new AbortController();
    const running = runForEvents("refresh", {
      stack,
      signal: AbortSignal.any([ctx.signal, stop.signal]),
      onEvent: (e) => raw.push(e),
      // Once interrupted, the engine's "refresh cancelled" says less than the report will.
      onError: (text) => void (stop.signal.aborted || process.stderr.write(text)),
    }).catch((error: unknown) => ({ events: [], ok: false, error: (error as Error).message }));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), timeoutMs);
    });
    const first = await Promise.race([running, expired]);
    clearTimeout(timer);
    const run =
      first === "expired" ? await deadlinePassed(stack, timeoutMs, parseEvents(raw), running, stop) : first;
    const report = driftReport(stack, run);
    ctx.out.document(report);
    for (const line of driftLines(report)) ctx.out.check(line.ok, line.text);
    if (!report.checked) {
      ctx.out.error(`drift check failed: ${report.failure[0] ?? "see above"}`);
      return DRIFT_EXIT.failed;
    }
    return report.drift ? DRIFT_EXIT.drift : DRIFT_EXIT.none;
  },
};

/**
 * The run when `--timeout` passed first: the engine is interrupted (a preview-only refresh writes
 * nothing, so stopping it loses nothing), and the brokers the stack's resources name are asked for
 * `/health` at once, so that the failure says which did not answer, instead of the raw undici
 * timeout a provider reports minutes later.
 */
async function deadlinePassed(
  stack: string,
  timeoutMs: number,
  events: StackEvent[],
  running: Promise<unknown>,
  stop: AbortController,
): Promise<{ events: typeof events; ok: false; error: string }> {
  const [{ underWay }, { formatDuration }] = await Promise.all([
    import("../stack-report/drift.js"),
    import("../../procedures/common.js"),
  ]);
  stop.abort(new Error(`--timeout ${formatDuration(timeoutMs)} passed`));
  const pending = underWay(events);
  const silent = await silentBrokers(pending.adminUrls, pending.caCertificates);
  const reasons: string[] = [];
  const limit = formatDuration(timeoutMs);
  if (silent.length > 0) {
    reasons.push(
      `no answer within --timeout ${limit}: ${silent.map((b) => `broker-${b.id} at ${b.url} (${b.reason})`).join(", ")}`,
    );
  } else {
    reasons.push(
      `the refresh of stack ${stack} did not finish within --timeout ${limit}` +
        (Object.keys(pending.adminUrls).length > 0
          ? `, though every broker the stack names answers /health (a slow admin API? try streambus-ops latency, or a longer --timeout)`
          : ""),
    );
  }
  if (pending.reading.length > 0) reasons.push(`still reading: ${pending.reading.join(", ")}`);
  // The engine stops after the steps under way. A hung step would hold it (and this process, its
  // parent) until the provider's own timeouts, minutes later: after a grace, it is told again,
  // which is the engine's "terminate now".
  const settled = (ms: number) =>
    Promise.race([
      running.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref()),
    ]);
  if (!(await settled(STOP_GRACE_MS))) {
    await interruptEngineAgain();
    await settled(STOP_GRACE_MS);
  }
  // The reasons go in as error diagnostics, where `driftReport` reads a failed run's reasons.
  const diagnosticsOf = reasons.map((message) => ({ diagnosticEvent: { message, severity: "error" } }));
  return { events: [...events, ...diagnosticsOf], ok: false, error: reasons[0]! };
}

/** The brokers among `urls` (by id) that do not answer `/health` within `PROBE_MS`, and why. */
async function silentBrokers(
  urls: Record<string, string>,
  ca: string[],
): Promise<Array<{ id: string; url: string; reason: string }>> {
  const [{ AdminApiError, BrokerClient, ConnectionError, TimeoutError }, { failureReason }] =
    await Promise.all([
      import("../../procedures/client/index.js"),
      import("../../procedures/client/classify.js"),
    ]);
  const results = await Promise.all(
    Object.entries(urls).map(async ([id, url]) => {
      const client = new BrokerClient(url, {
        ...(ca.length > 0 ? { ca } : {}),
        retry: { retries: 0 },
        timeouts: { health: PROBE_MS },
      });
      try {
        // Any answer, an unhealthy one included, is an answer: only silence is reported here.
        await client.health({ retries: 0 });
        return undefined;
      } catch (error) {
        if (error instanceof TimeoutError || error instanceof ConnectionError)
          return { id, url, reason: failureReason(error) };
        if (!(error instanceof AdminApiError)) return { id, url, reason: String(error) };
        return undefined;
      } finally {
        await client.http.close();
      }
    }),
  );
  return results.filter((r): r is { id: string; url: string; reason: string } => r !== undefined);
}

/**
 * Sends SIGINT a second time to the `pulumi` processes this process started (the Automation API
 * does not hand out its child, and sends the interrupt once): the engine's second interrupt
 * terminates it at once, which for a preview-only refresh loses nothing. Only direct children
 * named `pulumi` are signalled, found with `ps`; without `ps`, nothing is done (the run then ends
 * when the providers' calls give up).
 */
async function interruptEngineAgain(): Promise<void> {
  const { execFile } = await import("node:child_process");
  const listing = await new Promise<string>((resolve) =>
    execFile("ps", ["-A", "-o", "pid=,ppid=,comm="], (error, stdout) => resolve(error ? "" : stdout)),
  );
  for (const line of listing.split("\n")) {
    const [pid, ppid, comm] = line.trim().split(/\s+/);
    if (Number(ppid) !== process.pid || !/(^|\/)pulumi$/.test(comm ?? "")) continue;
    try {
      process.kill(Number(pid), "SIGINT");
    } catch {
      // It ended in the meantime.
    }
  }
}
