// Typed protocol errors. Domain code throws them; only the connection/channel layer
// turns them into channel.close or connection.close.
import { ReplyCode, replyCodeName } from './generated/constants.js';

export type ErrorScope = 'channel' | 'connection';

/** Reply codes the spec classes as hard errors close the whole connection. */
const CONNECTION_CODES = new Set<number>([
  ReplyCode.CONNECTION_FORCED,
  ReplyCode.INVALID_PATH,
  ReplyCode.FRAME_ERROR,
  ReplyCode.SYNTAX_ERROR,
  ReplyCode.COMMAND_INVALID,
  ReplyCode.CHANNEL_ERROR,
  ReplyCode.UNEXPECTED_FRAME,
  ReplyCode.RESOURCE_ERROR,
  ReplyCode.NOT_ALLOWED,
  ReplyCode.NOT_IMPLEMENTED,
  ReplyCode.INTERNAL_ERROR,
]);

export class AmqpError extends Error {
  readonly scope: ErrorScope;

  /** `text` is the part after "CODE_NAME - "; the full reply text is built here. */
  constructor(
    readonly replyCode: number,
    text: string,
    readonly classId = 0,
    readonly methodId = 0,
  ) {
    super(`${replyCodeName(replyCode)} - ${text}`);
    this.name = 'AmqpError';
    this.scope = CONNECTION_CODES.has(replyCode) ? 'connection' : 'channel';
  }

  /** The reply text as sent on the wire: a shortstr, so at most 255 bytes. */
  get replyText(): string {
    const bytes = Buffer.from(this.message, 'utf8');
    return bytes.length <= 255 ? this.message : bytes.subarray(0, 255).toString('utf8');
  }

  /** Same error, attributed to the method that caused it. */
  withMethod(classId: number, methodId: number): AmqpError {
    if (this.classId === classId && this.methodId === methodId) return this;
    const copy = new AmqpError(this.replyCode, '', classId, methodId);
    copy.message = this.message;
    return copy;
  }
}

/** Malformed bytes inside an otherwise well-framed payload. */
export function syntaxError(text: string): AmqpError {
  return new AmqpError(ReplyCode.SYNTAX_ERROR, text);
}
