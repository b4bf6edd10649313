// The node name shown in `node` fields (the management API, the firehose's trace headers), RabbitMQ style.
import { hostname } from 'node:os';

export const NODE_NAME = `warren@${hostname().split('.')[0] ?? 'localhost'}`;
