// The 14 basic properties as the management API and RabbitMQ's tools name them in JSON
// (snake_case), paired with the codec's field names. Imports nothing, so the CLI can use it
// without loading the codec.
export const BASIC_PROPERTY_JSON_NAMES = [
  ['contentType', 'content_type'],
  ['contentEncoding', 'content_encoding'],
  ['headers', 'headers'],
  ['deliveryMode', 'delivery_mode'],
  ['priority', 'priority'],
  ['correlationId', 'correlation_id'],
  ['replyTo', 'reply_to'],
  ['expiration', 'expiration'],
  ['messageId', 'message_id'],
  ['timestamp', 'timestamp'],
  ['type', 'type'],
  ['userId', 'user_id'],
  ['appId', 'app_id'],
  ['clusterId', 'cluster_id'],
] as const;
