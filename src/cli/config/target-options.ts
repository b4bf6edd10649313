// The global options that choose a target and how to reach it (spread into GLOBAL_OPTIONS).
import type { OptionSpec } from '../option-spec.js';

export const TARGET_OPTIONS: readonly OptionSpec[] = [
  {
    flags: '--api-url <url>',
    description:
      'use the management HTTP API at this URL instead of the local daemon, e.g. http://host:15672 or https://host:15671 (default $WARREN_API_URL); repeat it (or separate with commas) to name several nodes of a cluster, tried in turn',
    repeatable: true,
  },
  {
    flags: '--url <url>',
    description:
      'AMQP URL of a RabbitMQ node for the messaging commands, e.g. amqp://host:5672 or amqps://host:5671 (default $WARREN_URL); repeat it for several nodes: publish and consume move to the next when theirs stops',
    repeatable: true,
  },
  { flags: '-N, --node <name>', description: 'use the named node of the config file (default $WARREN_NODE); flags given as well override its settings' },
  { flags: '--user <name>', description: 'user name for the API and AMQP (default: the profile, $WARREN_USER, the URL, else guest)' },
  {
    flags: '--password-file <file>',
    description: 'read the password from the first line of this file (else the profile, $WARREN_PASSWORD, or a prompt on a terminal)',
  },
  { flags: '--tls-ca <file>', description: 'PEM certificate authorities to trust for https:// and amqps://' },
  { flags: '--tls-cert <file>', description: 'PEM client certificate to present over TLS (with --tls-key)' },
  { flags: '--tls-key <file>', description: 'PEM private key of the client certificate' },
  { flags: '--insecure', description: 'do not verify the TLS certificate of the server' },
];

/** As parsed: undefined when not given. */
export interface TargetOptionValues {
  /** an array when given more than once */
  apiUrl?: string | string[];
  url?: string | string[];
  node?: string;
  user?: string;
  passwordFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
}
