// Ctrl-C and SIGTERM for long-running commands (consume, rpc-serve): the first signal asks the command to
// stop cleanly; a second one exits at once (130), leaving unacknowledged messages to the broker.
import { killRunningCommands } from './exec.js';

export function onStopSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (seen) {
      killRunningCommands();
      process.exit(130);
    }
    seen = true;
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
