// The errors the broker model raises, with RabbitMQ's reply texts (clients match on them).
import { AmqpError, ReplyCode } from '../amqp/index.js';

export type ResourceKind = 'queue' | 'exchange';

export const notFound = (kind: ResourceKind, name: string, vhost: string): AmqpError =>
  new AmqpError(ReplyCode.NOT_FOUND, `no ${kind} '${name}' in vhost '${vhost}'`);

export const accessRefused = (text: string): AmqpError => new AmqpError(ReplyCode.ACCESS_REFUSED, text);

export const preconditionFailed = (text: string): AmqpError => new AmqpError(ReplyCode.PRECONDITION_FAILED, text);

export const resourceLocked = (name: string, vhost: string): AmqpError =>
  new AmqpError(
    ReplyCode.RESOURCE_LOCKED,
    `cannot obtain exclusive access to locked queue '${name}' in vhost '${vhost}'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
  );

export const reservedName = (kind: ResourceKind, name: string): AmqpError => accessRefused(`${kind} name '${name}' contains reserved prefix 'amq.*'`);

export const defaultExchangeRefused = (): AmqpError => accessRefused('operation not permitted on the default exchange');

export const notAllowed = (text: string): AmqpError => new AmqpError(ReplyCode.NOT_ALLOWED, text);

export const commandInvalid = (text: string): AmqpError => new AmqpError(ReplyCode.COMMAND_INVALID, text);

/** RabbitMQ's form for a declare that disagrees with the existing object. */
export function inequivalentArg(arg: string, kind: ResourceKind, name: string, vhost: string, received: string, current: string): AmqpError {
  return preconditionFailed(`inequivalent arg '${arg}' for ${kind} '${name}' in vhost '${vhost}': received ${received} but current is ${current}`);
}
