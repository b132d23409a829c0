// What the README's TypeScript snippets take as given in the reader's app: its types, its
// model session, its server and database. scripts/check-consumer.sh compiles every ```ts
// block of the README against the packed package with these declarations.
interface Input {
  features: number[];
}
interface Output {
  scores: number[];
}
interface User {
  id: number;
  name: string;
}
type Tokens = Int32Array;
type Vector = Float32Array;

/** A model runtime's session: one result per input, in order. */
interface Session {
  run<O>(batch: readonly unknown[]): Promise<O[]>;
}

declare const session: Session;
declare const query: Tokens;
declare const x: Input;
declare const request: { body: Input; signal: AbortSignal };
declare const model: { predict(input: Input, call?: import('batched-fn').CallOptions): Promise<Output> };
declare const app: {
  post(path: string, handler: (request: { body: Input }) => Promise<unknown>): void;
  close(): Promise<void>;
};
declare const db: {
  query(sql: string, params: unknown[]): Promise<User[]>;
  users: { findMany(ids: string[]): Promise<User[]> };
};

/** A step-wise model (README's Streaming): a state per batch of prompts, one step at a time. */
interface StepModel {
  start(prompts: string[]): {
    admit(prompts: string[]): void;
    step(wanted: (index: number) => boolean): Promise<string[]>;
    done: boolean[];
  };
}
declare const userPrompt: string;
declare const signal: AbortSignal;
declare const reply: { raw: { write(chunk: string): void } };
declare const generator: { generate(prompt: string, call?: import('batched-fn').CallOptions): AsyncIterable<string> };
