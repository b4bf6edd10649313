// The channel methods other than basic.publish: one line per method, dispatching to the handler module of its
// AMQP class (src/server/methods/), each handler cited to the 0-9-1 rule it implements.
import { AmqpError, MethodId, ReplyCode, type Method } from '../amqp/index.js';
import type { ChannelContext } from './channel-context.js';
import { basicAck, basicCancel, basicConsume, basicGet, basicNack, basicQos, basicRecover, basicRecoverAsync, basicReject } from './methods/basic.js';
import { exchangeBind, exchangeDeclare, exchangeDelete, exchangeUnbind } from './methods/exchange.js';
import { accessRequest, channelFlow, confirmSelect, txCommit, txRollback, txSelect } from './methods/modes.js';
import { queueBind, queueDeclare, queueDelete, queuePurge, queueUnbind } from './methods/queue.js';

type Handler<M extends Method> = (ch: ChannelContext, m: M) => void;
type Handlers = { [K in Method['id']]?: Handler<Extract<Method, { id: K }>> };

const HANDLERS: Handlers = {
  [MethodId.EXCHANGE_DECLARE]: exchangeDeclare,
  [MethodId.EXCHANGE_DELETE]: exchangeDelete,
  [MethodId.EXCHANGE_BIND]: exchangeBind,
  [MethodId.EXCHANGE_UNBIND]: exchangeUnbind,
  [MethodId.QUEUE_DECLARE]: queueDeclare,
  [MethodId.QUEUE_BIND]: queueBind,
  [MethodId.QUEUE_UNBIND]: queueUnbind,
  [MethodId.QUEUE_PURGE]: queuePurge,
  [MethodId.QUEUE_DELETE]: queueDelete,
  [MethodId.BASIC_QOS]: basicQos,
  [MethodId.BASIC_CONSUME]: basicConsume,
  [MethodId.BASIC_CANCEL]: basicCancel,
  [MethodId.BASIC_GET]: basicGet,
  [MethodId.BASIC_ACK]: basicAck,
  [MethodId.BASIC_NACK]: basicNack,
  [MethodId.BASIC_REJECT]: basicReject,
  [MethodId.BASIC_RECOVER]: basicRecover,
  [MethodId.BASIC_RECOVER_ASYNC]: basicRecoverAsync,
  [MethodId.CONFIRM_SELECT]: confirmSelect,
  [MethodId.TX_SELECT]: txSelect,
  [MethodId.TX_COMMIT]: txCommit,
  [MethodId.TX_ROLLBACK]: txRollback,
  [MethodId.CHANNEL_FLOW]: channelFlow,
  [MethodId.ACCESS_REQUEST]: accessRequest,
};

export function handleChannelMethod(ch: ChannelContext, m: Method): void {
  const handler = HANDLERS[m.id] as Handler<Method> | undefined;
  if (!handler) throw new AmqpError(ReplyCode.COMMAND_INVALID, `unexpected method ${m.id >>> 16}.${m.id & 0xffff} on a channel`);
  handler(ch, m);
}
