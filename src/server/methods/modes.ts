// The channel's modes: confirm.select, tx.select/commit/rollback, channel.flow; and the deprecated access.request.
import {
  type AccessRequest,
  type ChannelFlow,
  type ConfirmSelect,
  type TxCommit,
  type TxRollback,
  type TxSelect,
  writeAccessRequestOk,
  writeChannelFlowOk,
  writeConfirmSelectOk,
  writeTxCommitOk,
  writeTxRollbackOk,
  writeTxSelectOk,
} from '../../amqp/index.js';
import { preconditionFailed } from '../../broker/errors.js';
import type { ChannelContext } from '../channel-context.js';

/** The dummy ticket access.request-ok grants (tickets are ignored in 0-9-1). */
const ACCESS_TICKET = 1;

export function confirmSelect(ch: ChannelContext, m: ConfirmSelect): void {
  if (ch.txMode) throw preconditionFailed('cannot switch from tx to confirm mode');
  ch.selectConfirm();
  if (!m.nowait) writeConfirmSelectOk(ch.writer, ch.number);
}

export function txSelect(ch: ChannelContext, _m: TxSelect): void {
  if (ch.confirmMode) throw preconditionFailed('cannot switch from confirm to tx mode');
  ch.selectTx();
  writeTxSelectOk(ch.writer, ch.number);
}

export function txCommit(ch: ChannelContext, _m: TxCommit): void {
  if (!ch.txMode) throw preconditionFailed('channel is not transactional');
  ch.commit();
  writeTxCommitOk(ch.writer, ch.number);
}

export function txRollback(ch: ChannelContext, _m: TxRollback): void {
  if (!ch.txMode) throw preconditionFailed('channel is not transactional');
  ch.rollback();
  writeTxRollbackOk(ch.writer, ch.number);
}

export function channelFlow(ch: ChannelContext, m: ChannelFlow): void {
  ch.setFlow(m.active);
  writeChannelFlowOk(ch.writer, ch.number, m.active);
  if (m.active) ch.resumeConsumers();
}

/** Deprecated in 0-9-1 but still sent by some old clients: grant a dummy ticket. */
export function accessRequest(ch: ChannelContext, _m: AccessRequest): void {
  writeAccessRequestOk(ch.writer, ch.number, ACCESS_TICKET);
}
