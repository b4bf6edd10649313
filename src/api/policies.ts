// Policies: GET /api/policies[/{vhost}[/{name}]], PUT|DELETE /api/policies/{vhost}/{name}.
import { erlangTerm } from '../amqp/queue-arguments.js';
import type { ApplyTo, Policy } from '../broker/policies.js';
import type { Vhost } from '../broker/vhost.js';
import { brokerOf, vhostOr404, type ApiContext } from './context.js';
import { tableToJson, jsonToTable } from './format.js';
import { badRequest, createdOrUpdated, jsonBody, noContent, notFound, type ApiRequest } from './http.js';
import { listReply, objectReply } from './list.js';
import type { Route } from './route.js';

type Json = Record<string, unknown>;

export function formatPolicy(p: Policy): Json {
  return { vhost: p.vhost, name: p.name, pattern: p.pattern, 'apply-to': p.applyTo, definition: tableToJson(p.definition), priority: p.priority };
}

export function policiesOf(vhosts: Iterable<Vhost>): Json[] {
  return [...vhosts].flatMap((v) => [...v.policies.values()].map(formatPolicy));
}

/** Creates or replaces a policy from a RabbitMQ-shaped body; returns whether it existed. */
export function putPolicy(vhost: Vhost, name: string, body: Json): boolean {
  const pattern = body['pattern'];
  if (typeof pattern !== 'string') throw badRequest("'pattern' is required and must be a string");
  const definition = body['definition'];
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) throw badRequest("'definition' must be an object");
  const applyTo = (body['apply-to'] ?? 'all') as ApplyTo;
  const raw = body['priority'] ?? 0;
  if (typeof raw !== 'number' || !Number.isInteger(raw))
    throw badRequest(`Validation failed\n\npriority should be a number, actually was ${erlangTerm(raw)}\n`);
  const priority = raw;
  const existed = vhost.policies.has(name);
  vhost.setPolicy({ name, vhost: vhost.name, pattern, applyTo, priority, definition: jsonToTable(definition) });
  return existed;
}

function onePolicy(ctx: ApiContext, req: ApiRequest): Policy {
  const p = vhostOr404(ctx, req.params['vhost']).policies.get(req.params['name']!);
  if (!p) throw notFound();
  return p;
}

export const policyRoutes: Route[] = [
  { method: 'GET', path: 'policies', handler: (ctx, req) => listReply(req, policiesOf(brokerOf(ctx).vhosts.values())) },
  { method: 'GET', path: 'policies/:vhost', handler: (ctx, req) => listReply(req, policiesOf([vhostOr404(ctx, req.params['vhost'])])) },
  { method: 'GET', path: 'policies/:vhost/:name', handler: (ctx, req) => objectReply(req, formatPolicy(onePolicy(ctx, req))) },
  {
    method: 'PUT',
    path: 'policies/:vhost/:name',
    handler: (ctx, req) => createdOrUpdated(putPolicy(vhostOr404(ctx, req.params['vhost']), req.params['name']!, jsonBody(req) as Json)),
  },
  {
    method: 'DELETE',
    path: 'policies/:vhost/:name',
    handler: (ctx, req) => {
      if (!vhostOr404(ctx, req.params['vhost']).clearPolicy(req.params['name']!)) throw notFound();
      return noContent();
    },
  },
];
