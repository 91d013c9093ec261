// google-protobuf ships no type declarations, and fabric-protos' declarations import its
// Timestamp: this is the part of it that the tests use, for both.
declare module 'google-protobuf/google/protobuf/timestamp_pb' {
  export class Timestamp {
    getSeconds(): number;
    setSeconds(value: number): Timestamp;
    getNanos(): number;
    setNanos(value: number): Timestamp;
    serializeBinary(): Uint8Array;
  }
}
