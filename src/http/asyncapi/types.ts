// The parts of an AsyncAPI 3.0 document that Capstan's realtime description uses. Payloads and
// headers are JSON Schemas (AsyncAPI's default schema format is a superset of draft-07).

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface Ref {
  readonly $ref: string;
}

export interface MessageExample {
  readonly name: string;
  readonly summary?: string;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly payload: unknown;
}

export interface AsyncApiMessage {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly description?: string;
  readonly contentType: string;
  /** On SSE channels: the frame's own fields (`id`, `event`, `retry`) besides `data`. */
  readonly headers?: JsonSchema;
  readonly payload: JsonSchema;
  readonly examples?: readonly MessageExample[];
  /** The stream ends after this message (AsyncAPI has no field for it). */
  readonly 'x-terminal'?: boolean;
  /** On WebSocket channels, the close code that follows a terminal message. */
  readonly 'x-close-code'?: number;
}

export interface ChannelParameter {
  readonly description: string;
  readonly examples?: readonly string[];
}

export interface AsyncApiChannel {
  readonly address: string;
  readonly title: string;
  readonly summary: string;
  readonly description: string;
  readonly servers: readonly Ref[];
  readonly parameters?: Readonly<Record<string, ChannelParameter>>;
  readonly messages: Readonly<Record<string, AsyncApiMessage>>;
  readonly bindings?: Readonly<Record<string, unknown>>;
  /** WebSocket close codes this channel uses, by code. */
  readonly 'x-close-codes'?: Readonly<Record<string, string>>;
}

export interface AsyncApiOperation {
  readonly action: 'send' | 'receive';
  readonly channel: Ref;
  readonly title: string;
  readonly summary: string;
  readonly description?: string;
  readonly messages: readonly Ref[];
  readonly security?: readonly Ref[];
  readonly bindings?: Readonly<Record<string, unknown>>;
  readonly reply?: { readonly channel: Ref; readonly messages: readonly Ref[] };
}

export interface SecurityScheme {
  readonly type: 'httpApiKey' | 'http';
  readonly description: string;
  readonly name?: string;
  readonly in?: 'query' | 'header' | 'cookie';
  readonly scheme?: 'bearer';
  readonly bearerFormat?: string;
}

export interface AsyncApiServer {
  readonly host: string;
  readonly protocol: 'http' | 'ws';
  readonly title: string;
  readonly description: string;
  readonly variables: Readonly<Record<string, { readonly default: string; readonly description: string }>>;
}

export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly defaultContentType: string;
  readonly servers: Readonly<Record<string, AsyncApiServer>>;
  readonly channels: Readonly<Record<string, AsyncApiChannel>>;
  readonly operations: Readonly<Record<string, AsyncApiOperation>>;
  readonly components: { readonly securitySchemes: Readonly<Record<string, SecurityScheme>> };
}

/** What one surface contributes: its channels and the operations on them. */
export interface SurfaceSpec {
  readonly channels: Readonly<Record<string, AsyncApiChannel>>;
  readonly operations: Readonly<Record<string, AsyncApiOperation>>;
}
