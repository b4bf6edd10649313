// The process streams warrenctl uses, injectable so unit tests can capture output.

export interface OutStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
}

export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}
