// fabric-shim's contract dispatcher, which its type declarations do not cover. Tests drive the
// contract through it so that argument marshalling and client identity are fabric-shim's own.
declare module 'fabric-shim/lib/contract-spi/chaincodefromcontract' {
  import type { ChaincodeStub } from 'fabric-shim';

  export default class ChaincodeFromContract {
    constructor(
      contractClasses: unknown[],
      serializers: unknown,
      metadata?: object,
      title?: string,
      version?: string,
    );
    invokeFunctionality(stub: ChaincodeStub): Promise<unknown>;
  }
}
