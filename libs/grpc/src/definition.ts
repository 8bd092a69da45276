import { fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";

/**
 * The grpc-js service definition for a protobuf-es service descriptor: paths, streaming flags and
 * binary (de)serialisation with the generated schemas.
 */
export function serviceDefinition(service: DescService): grpc.ServiceDefinition {
  return Object.fromEntries(service.methods.map((m) => [m.localName, methodDefinition(service, m)]));
}

function methodDefinition(service: DescService, m: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: `/${service.typeName}/${m.name}`,
    requestStream: m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming",
    responseStream: m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming",
    requestSerialize: serializer(m.input),
    requestDeserialize: requestDeserializer(m.input),
    responseSerialize: serializer(m.output),
    responseDeserialize: deserializer(m.output),
    originalName: m.localName,
  };
}

const serializer = (schema: DescMessage) => (value: unknown) => Buffer.from(toBinary(schema, value as never));
const deserializer = (schema: DescMessage) => (bytes: Buffer) => fromBinary(schema, bytes);

/**
 * A request body that does not decode as its message. grpc-js answers INTERNAL when a server's
 * deserializer throws, so the server's deserializer returns this instead and the handler wrapper
 * answers INVALID_ARGUMENT (after authentication, as for any other bad request).
 */
export class UndecodableRequest {
  constructor(
    readonly typeName: string,
    readonly reason: string,
  ) {}
}

const requestDeserializer = (schema: DescMessage) => (bytes: Buffer) => {
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    return new UndecodableRequest(schema.typeName, (err as Error).message);
  }
};
