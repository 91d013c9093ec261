import { Contract, type Context } from 'fabric-contract-api';
import type { ChaincodeStub } from 'fabric-shim-api';
import { ContractError } from './errors';

/**
 * fabric-contract-api refuses a call with the wrong number of arguments, an argument of the wrong
 * type, or an unknown function with prose of its own ("Expected 2 parameters, but 0 have been
 * supplied", "You've asked to invoke a function that does not exist"). Clients map codes, never
 * prose, so every contract here checks the call's shape itself, before fabric-contract-api
 * unmarshals the arguments, and refuses with a coded message.
 */

interface TransactionShape {
  readonly name: string;
  readonly parameters?: ReadonlyArray<{
    readonly name: string;
    readonly schema?: { type?: string };
  }>;
}

/** The transactions fabric-contract-api's decorators recorded for a contract class. */
function transactionsOf(contract: Contract): readonly TransactionShape[] {
  // fabric-contract-api loads reflect-metadata and keeps its transaction table under this key.
  const reflect = Reflect as unknown as { getMetadata(key: string, target: object): unknown };
  const table = reflect.getMetadata('fabric:transactions', contract);
  return Array.isArray(table) ? (table as TransactionShape[]) : [];
}

const numberText = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Refuses a call whose arguments do not fit the named transaction: `ARGUMENT_COUNT` for the
 * wrong number of arguments, `INVALID_ARGUMENT` naming a numeric parameter given something that
 * is not a number. An unknown function is left to {@link CodedContract.unknownTransaction}.
 */
export function assertCallShape(contract: Contract, stub: ChaincodeStub): void {
  const { fcn, params } = stub.getFunctionAndParameters();
  const name = fcn.includes(':') ? fcn.slice(fcn.lastIndexOf(':') + 1) : fcn;
  const transaction = transactionsOf(contract).find((candidate) => candidate.name === name);
  if (transaction === undefined) return;
  const expected = transaction.parameters ?? [];
  if (params.length !== expected.length) {
    const names = expected.map((parameter) => parameter.name).join(', ');
    throw new ContractError(
      'ARGUMENT_COUNT',
      `${name} takes ${expected.length} argument(s) (${names}), ${params.length} given`,
    );
  }
  expected.forEach((parameter, index) => {
    const type = parameter.schema?.type;
    if ((type === 'number' || type === 'integer') && !numberText.test(params[index] ?? '')) {
      throw new ContractError('INVALID_ARGUMENT', `${parameter.name}: must be a number`);
    }
  });
}

/** A contract whose every refusal, including a malformed call, starts with a stable code. */
export abstract class CodedContract extends Contract {
  /**
   * fabric-contract-api sets the stub on the context before it unmarshals the arguments, so the
   * check runs there. The context stays a plain `Context`: the decorators recognise the `ctx`
   * parameter of each transaction by that class.
   */
  override createContext(): Context {
    const ctx = super.createContext();
    const settable = ctx as Context & { setChaincodeStub(stub: ChaincodeStub): void };
    const setStub = settable.setChaincodeStub.bind(ctx);
    settable.setChaincodeStub = (stub: ChaincodeStub): void => {
      setStub(stub);
      assertCallShape(this, stub);
    };
    return ctx;
  }

  override unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    const known = transactionsOf(this).map((transaction) => transaction.name);
    return Promise.reject(
      new ContractError(
        'UNKNOWN_TRANSACTION',
        `${fcn}: contract ${this.getName()} has no such transaction (it has ${known.join(', ')})`,
      ),
    );
  }
}
