// The "Add:" hints of the argument and policy editors, from the one table of queue and exchange arguments
// (src/amqp/queue-arguments.ts, pure data, bundled into the page): the arguments and policy keys warren acts on.
import { ARGUMENTS, type ArgumentSpec } from '../amqp/queue-arguments';
import type { ArgType } from './components';

const EDITOR_TYPE: Record<ArgumentSpec['type'], ArgType> = { int: 'number', bool: 'boolean', string: 'string', enum: 'string', any: 'string' };

const honoured = ARGUMENTS.filter((a) => a.warren === 'honoured');

/** x-arguments of queue.declare / exchange.declare */
export function argumentHints(on: ArgumentSpec['on']): [string, ArgType][] {
  return honoured.flatMap((a) => (a.on === on && a.arg !== null ? [[a.arg, EDITOR_TYPE[a.type]] as [string, ArgType]] : []));
}

/** keys of a policy definition */
export const POLICY_HINTS: [string, ArgType][] = honoured.flatMap((a) => (a.policy !== null ? [[a.policy, EDITOR_TYPE[a.type]] as [string, ArgType]] : []));
