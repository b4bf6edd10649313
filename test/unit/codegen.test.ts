import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the generator is plain JavaScript with no type declarations
import { generate, outputPath, specPath } from '../../src/amqp/spec/generate.mjs';

describe('codec generator', () => {
  it('regenerates src/amqp/generated/methods.ts byte for byte from the pinned spec', () => {
    const fresh = (generate as (s: string) => string)(readFileSync(specPath as string, 'utf8'));
    expect(fresh).toBe(readFileSync(outputPath as string, 'utf8'));
  });
});
