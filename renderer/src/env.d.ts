declare module '*.css';

/** JsSIP's message parser (no type declarations of its own); read only by the tests that pin down what it does. */
declare module 'jssip/lib/Parser' {
  export function parseMessage(data: string, ua: unknown): unknown;
}
