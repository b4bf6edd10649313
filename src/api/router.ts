// One router for the management API, shared by the control socket and the TCP listener:
// matches RabbitMQ's paths, answers 404/405 as RabbitMQ does, gates requests while the app
// is stopped, and turns broker errors (AmqpError) into RabbitMQ's HTTP answers.
import { AmqpError, ReplyCode } from '../amqp/index.js';
import type { ApiContext } from './context.js';
import { HttpError, notFound, type ApiReply, type ApiRequest } from './http.js';
import type { Route } from './route.js';
import { connectionRoutes } from './connections.js';
import { definitionRoutes } from './definitions.js';
import { exchangeRoutes } from './exchanges.js';
import { nodeRoutes } from './node.js';
import { permissionRoutes } from './permissions.js';
import { policyRoutes } from './policies.js';
import { queueRoutes } from './queues.js';
import { topicPermissionRoutes } from './topic-permissions.js';
import { userRoutes } from './users.js';
import { warrenRoutes } from './warren.js';
import { warrenDiagnosticRoutes } from './warren-diagnostics.js';
import { limitRoutes } from './limits.js';

export type { Handler, Route } from './route.js';

interface CompiledRoute extends Route {
  parts: string[];
  literals: number;
}

/** Readable while the AMQP app is stopped (as rabbitmqctl can still list users and vhosts). */
const READABLE_WHILE_STOPPED = new Set(['definitions', 'users', 'vhosts', 'permissions', 'overview', 'whoami']);

function compile(routes: Route[]): CompiledRoute[] {
  return routes.map((r) => {
    const parts = r.path.split('/');
    return { ...r, parts, literals: parts.filter((p) => !p.startsWith(':')).length };
  });
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(
    private readonly ctx: ApiContext,
    /** checks a routed request (params known); throws HttpError to refuse it */
    private readonly authorise?: (req: ApiRequest) => void,
  ) {
    this.routes = compile([
      ...nodeRoutes,
      ...warrenRoutes,
      ...warrenDiagnosticRoutes,
      ...limitRoutes,
      ...userRoutes,
      ...permissionRoutes,
      ...queueRoutes,
      ...exchangeRoutes,
      ...connectionRoutes,
      ...definitionRoutes,
      ...policyRoutes,
      ...topicPermissionRoutes,
    ]);
  }

  /** Answers one request; never throws. */
  async handle(req: ApiRequest): Promise<ApiReply> {
    try {
      return await this.dispatch(req);
    } catch (err) {
      return errorReply(err, this.ctx);
    }
  }

  private async dispatch(req: ApiRequest): Promise<ApiReply> {
    const segs = req.segments;
    let best: { route: CompiledRoute; params: Record<string, string> } | null = null;
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = match(route.parts, segs);
      if (!params) continue;
      if (route.method !== req.method) {
        allowed.add(route.method);
        continue;
      }
      if (!best || route.literals > best.route.literals) best = { route, params };
    }
    if (!best) {
      if (allowed.size > 0) {
        const allow = [...allowed];
        if (allow.includes('GET')) allow.unshift('HEAD');
        return { status: 405, headers: { allow: [...allow, 'OPTIONS'].join(', ') } };
      }
      throw notFound();
    }
    if (!this.ctx.server.appRunning && !availableWhileStopped(req)) {
      throw new HttpError(503, 'app_stopped', 'the warren application is stopped; start it with `warrenctl start_app`');
    }
    req.params = best.params;
    this.authorise?.(req);
    return await best.route.handler(this.ctx, req);
  }
}

function availableWhileStopped(req: ApiRequest): boolean {
  const first = req.segments[0] ?? '';
  if (first === 'warren') return true;
  return req.method === 'GET' && READABLE_WHILE_STOPPED.has(first);
}

function match(parts: string[], segs: string[]): Record<string, string> | null {
  if (parts.length !== segs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segs[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return null;
  }
  return params;
}

/** The text after RabbitMQ's "CODE_NAME - " prefix, as its API shows broker errors. */
export function amqpReason(err: AmqpError): string {
  return err.message.replace(/^[A-Z_]+ - /, '');
}

export function errorReply(err: unknown, ctx: ApiContext): ApiReply {
  if (err instanceof HttpError) {
    return { status: err.status, body: { error: err.error, reason: err.reason }, headers: err.headers };
  }
  if (err instanceof AmqpError) {
    switch (err.replyCode) {
      case ReplyCode.NOT_FOUND:
        return { status: 404, body: { error: 'Object Not Found', reason: 'Not Found' } };
      case ReplyCode.ACCESS_REFUSED:
        // RabbitMQ answers refused operations (amq.* names, the default exchange) with 401.
        return { status: 401, body: { error: 'not_authorised', reason: amqpReason(err) } };
      default:
        return { status: 400, body: { error: 'bad_request', reason: amqpReason(err) } };
    }
  }
  ctx.server.log.error(`management API: ${(err as Error)?.stack ?? String(err)}`);
  return { status: 500, body: { error: 'internal_error', reason: (err as Error)?.message ?? String(err) } };
}
