import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { googleRpc, grpcHealthV1 } from "@kuayu/proto";

/**
 * Server reflection (grpc.reflection.v1 and v1alpha) for our protobuf-es services plus
 * grpc.health.v1, so grpcurl and other standard clients can list, describe and call them.
 * @grpc/reflection reads serialized FileDescriptorProtos, which protobuf-es keeps for every file.
 */
export function reflectionFor(services: DescService[]): ReflectionService {
  const files = new Map<string, Buffer>();
  const addFile = (f: DescFile) => {
    if (files.has(f.proto.name)) return;
    files.set(f.proto.name, Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)));
    f.dependencies.forEach(addFile);
  };
  const all = [grpcHealthV1.Health, ...services];
  all.forEach((s) => addFile(s.file));
  // So that clients can decode error details (google.rpc.BadRequest …) by reflection too.
  addFile(googleRpc.file_google_rpc_status);
  const root: protoLoader.PackageDefinition = {};
  for (const s of all) {
    root[s.typeName] = { fileDescriptorProtos: [...files.values()] } as unknown as protoLoader.ServiceDefinition;
  }
  return new ReflectionService(root);
}
