import * as grpc from "@grpc/grpc-js";
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from "mongodb";
import { isTransient, NotFoundError, StateError, ValidationError } from "@kuayu/domain";

describe("isTransient: what a consumer waits out instead of dead-lettering", () => {
  it("the store unreachable, the broker unreachable, a peer service down, a lost race", () => {
    expect(isTransient(new MongoNetworkError("connection 3 to 127.0.0.1:27017 closed"))).toBe(true);
    expect(isTransient(new MongoServerSelectionError("Server selection timed out after 5000 ms", { type: "Unknown", servers: new Map() } as never))).toBe(true);
    expect(isTransient(new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9092"))).toBe(true);
    expect(isTransient(new KafkaJSNumberOfRetriesExceeded(new Error("x"), { retryCount: 5, retryTime: 1000 }))).toBe(true);
    expect(isTransient(Object.assign(new Error("14 UNAVAILABLE: No connection established"), { code: grpc.status.UNAVAILABLE, metadata: new grpc.Metadata() }))).toBe(true);
    expect(isTransient(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8080"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isTransient(Object.assign(new Error("document kept changing"), { name: "ConflictError" }))).toBe(true);
    expect(isTransient(new Error("wrapped", { cause: new MongoNetworkError("socket hang up") }))).toBe(true);
  });

  it("PostgreSQL away under FerretDB: the InternalError texts FerretDB answers while it is down, restarting or just killed", () => {
    const ferret = (errmsg: string) => new MongoServerError({ ok: 0, code: 1, codeName: "InternalError", errmsg });
    for (const text of [
      "[msg_insert.go:168 handler.(*Handler).MsgInsert] failed to connect to `user=ferretdb database=ferretdb`: 127.0.0.1:55432 (127.0.0.1): dial error: dial tcp 127.0.0.1:55432: connect: connection refused",
      "[msg_insert.go:168 handler.(*Handler).MsgInsert] unexpected EOF",
      "[msg_insert.go:168 handler.(*Handler).MsgInsert] read tcp 127.0.0.1:40012->127.0.0.1:55432: read: connection reset by peer",
      "failed to connect to `user=ferretdb database=ferretdb`: 127.0.0.1:55432 (127.0.0.1): server error: FATAL: the database system is starting up (SQLSTATE 57P03)",
      "failed to connect to `user=ferretdb database=ferretdb`: 127.0.0.1:55432 (127.0.0.1): server error: FATAL: the database system is not yet accepting connections (SQLSTATE 57P03)",
    ]) {
      expect(isTransient(ferret(text))).toBe(true);
    }
    // Any other internal error of the store is not waited out.
    expect(isTransient(ferret("[msg_update.go:99] invalid update operator"))).toBe(false);
  });

  it("not: bad data, a missing record, a wrong state, a duplicate key, a programming error", () => {
    expect(isTransient(new ValidationError([{ field: "x", description: "bad" }]))).toBe(false);
    expect(isTransient(new NotFoundError("filing f-1 not found"))).toBe(false);
    expect(isTransient(new StateError("filing is withdrawn"))).toBe(false);
    expect(isTransient(new MongoServerError({ code: 11000, errmsg: "E11000 duplicate key" }))).toBe(false);
    expect(isTransient(Object.assign(new KafkaJSProtocolError("TOPIC_AUTHORIZATION_FAILED"), { retriable: false }))).toBe(false);
    expect(isTransient(Object.assign(new Error("3 INVALID_ARGUMENT: bad"), { code: grpc.status.INVALID_ARGUMENT, metadata: new grpc.Metadata() }))).toBe(false);
    expect(isTransient(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});
