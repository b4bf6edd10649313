import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the generator is plain JavaScript with no type declarations
import { constantsPath, generate, generateConstants, outputPath, specPath } from '../../src/amqp/spec/generate.mjs';

type Generator = (spec: string) => string;

describe('codec generator', () => {
  const spec = readFileSync(specPath as string, 'utf8');

  it('regenerates src/amqp/generated/methods.ts byte for byte from the pinned spec', () => {
    expect((generate as Generator)(spec)).toBe(readFileSync(outputPath as string, 'utf8'));
  });

  it('regenerates src/amqp/generated/constants.ts byte for byte from the pinned spec', () => {
    expect((generateConstants as Generator)(spec)).toBe(readFileSync(constantsPath as string, 'utf8'));
  });
});
