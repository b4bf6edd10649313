// A describe block's own vhost on one target: the target is made and the vhost created (guest with full
// permissions, then `setup`'s warrenctl commands) before its tests; the vhost is deleted and the target stopped after.
import { afterAll, beforeAll, expect } from 'vitest';
import { ctlMain } from '../helpers/ctl-main.js';
import { type CtlResult, type Target } from './ctl.js';
import type { MessagingTarget } from './messaging-helpers.js';

export interface VhostSuite {
  readonly target: Target;
  /** global options selecting the target */
  readonly args: string[];
  ctl(words: readonly string[]): Promise<CtlResult>;
  /** the vhost's AMQP URL for guest */
  amqpUrl(): string;
}

/** `addOptions`: add_vhost's own (--description, --tags). */
export function useTestVhost(spec: MessagingTarget, vhost: string, setup: readonly (readonly string[])[] = [], addOptions: readonly string[] = []): VhostSuite {
  let target: Target | undefined;
  let args: string[] = [];
  const suite: VhostSuite = {
    get target(): Target {
      if (!target) throw new Error('the target is made in beforeAll');
      return target;
    },
    get args(): string[] {
      return args;
    },
    // (in process: the same code as bin/warrenctl without a process start per command)
    ctl: (words) => ctlMain([...args, ...words]),
    amqpUrl: () => {
      const url = new URL(suite.target.amqpUrl());
      url.pathname = `/${encodeURIComponent(vhost)}`;
      return url.href;
    },
  };
  beforeAll(async () => {
    target = await spec.make();
    args = spec.args(target);
    for (const words of [['add_vhost', vhost, ...addOptions], ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], ...setup]) {
      const r = await suite.ctl(['-q', ...words]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    if (!target) return;
    await suite.ctl(['-q', 'delete_vhost', vhost]);
    await target.stop();
  });
  return suite;
}
