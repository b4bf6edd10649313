// Where the examples connect: $AMQP_URL, else the local warren-server (or RabbitMQ) on 5672.
export const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@localhost:5672';
