declare module '*.css';

/** JsSIP's message parser (no type declarations of its own); read only by the tests that pin down what it does. */
declare module 'jssip/lib/Parser' {
  export function parseMessage(data: string, ua: unknown): unknown;
}

/** JsSIP's sender of out-of-dialog requests (no type declarations of its own); used by jssipInternals.ts only. */
declare module 'jssip/lib/RequestSender' {
  const RequestSender: unknown;
  export default RequestSender;
}

/** A script bundled on its own by Vite (a worker or a worklet), as its URL. */
declare module '*?worker&url' {
  const url: string;
  export default url;
}
