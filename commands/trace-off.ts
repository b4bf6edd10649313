import { traceCommand } from '../src/cli/trace-command.js';

export default traceCommand(false);
