// One management API route: what the route modules export and the router dispatches to (its own module, so
// the route modules and the router that imports them do not import each other).
import type { ApiContext } from './context.js';
import type { ApiReply, ApiRequest } from './http.js';

export type Handler = (ctx: ApiContext, req: ApiRequest) => ApiReply | Promise<ApiReply>;

export interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** path after "/api/", segments starting with ":" are parameters */
  path: string;
  handler: Handler;
}
