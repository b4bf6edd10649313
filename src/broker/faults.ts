// Containment for failures on paths no client request is waiting on (timers, dead-lettering,
// store callbacks): the failure is logged in one line naming what it belongs to, and only that
// queue, channel or connection is affected; it never ends the process.
export type FaultSink = (line: string) => void;

let sink: FaultSink = (line) => process.stderr.write(`${new Date().toISOString()} [error] ${line}\n`);

/** Where contained failures are logged (the daemon points this at its logger). */
export function setFaultSink(next: FaultSink): void {
  sink = next;
}

/** Logs a contained failure: `where` names the queue, channel or connection it belongs to. */
export function reportFault(where: string, what: string, err: unknown): void {
  const e = err as Error | undefined;
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(err);
  const at = e instanceof Error ? e.stack?.split('\n')[1]?.trim() : undefined;
  try {
    sink(`${where}: ${what} failed (${detail})${at ? ` ${at}` : ''}; contained`);
  } catch {
    // logging must not be the next failure
  }
}

/** Runs `fn`, containing (and reporting) anything it throws. */
export function contained(where: () => string, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    reportFault(where(), what, err);
  }
}
